//! The five real Mini Market Grafana dashboards: they import with no unsupported panel, their TOML
//! loads back through the config loader, and against the embedded demo every panel shows data (no
//! "no data", no error, nothing unsupported), drawn by the normal render path.

mod common;

use centinela::config::{load_str, PanelKind};
use centinela::engine::Engine;
use centinela::grafana::{import, to_toml};
use centinela::keymap::Keymap;
use centinela::snapshot::{render, to_text};
use centinela::sources::loki::LokiClient;
use centinela::sources::prometheus::{PromClient, QueryData};
use centinela::state::State;
use centinela::theme::Theme;
use common::drive;

const FILES: [&str; 5] = [
    "dashboard-system-overview.json",
    "dashboard-security-audit.json",
    "dashboard-business-kpis.json",
    "dashboard-ml-service.json",
    "dashboard-performance.json",
];

const ENV: &str = "[[environment]]\nname = \"production\"\nprometheus = { url = \"http://localhost:9090\" }\n\n";

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("tests/fixtures/grafana/minimarket/{name}")).unwrap()
}

#[test]
fn they_import_with_no_unsupported_panel_and_load_back() {
    let mut panels = 0;
    for f in FILES {
        let i = import(&read(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        let unsupported: Vec<_> = i.dashboard.panels.iter().filter(|p| p.kind == PanelKind::Unsupported).collect();
        assert!(unsupported.is_empty(), "{f}: {unsupported:#?}");
        let toml = to_toml(&i.dashboard).unwrap();
        let config = load_str(f, &format!("{ENV}{toml}")).unwrap_or_else(|p| panic!("{f}:\n{p:#?}\n{toml}"));
        let back = &config.dashboards[0];
        assert_eq!(back.name, i.dashboard.name);
        assert_eq!(back.panels.len(), i.dashboard.panels.len());
        for (a, b) in back.panels.iter().zip(&i.dashboard.panels) {
            assert_eq!((&a.title, a.kind, a.unit, a.pos), (&b.title, b.kind, b.unit, b.pos));
            assert_eq!(a.thresholds, b.thresholds);
            assert_eq!(a.mappings, b.mappings);
            assert_eq!(a.queries.len(), b.queries.len());
        }
        panels += back.panels.len();
    }
    assert_eq!(panels, 36);
}

#[test]
fn the_toml_of_the_system_overview() {
    let i = import(&read("dashboard-system-overview.json")).unwrap();
    insta::assert_snapshot!(to_toml(&i.dashboard).unwrap());
    let report: Vec<String> = i.report.iter().map(|n| n.to_string()).collect();
    insta::assert_snapshot!("system_overview_report", report.join("\n"));
}

#[test]
fn a_config_can_name_the_json_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("grafana")).unwrap();
    std::fs::write(dir.path().join("grafana/ml.json"), read("dashboard-ml-service.json")).unwrap();
    let config_path = dir.path().join("centinela.toml");
    let text = format!("{ENV}[[dashboard]]\ngrafana = \"grafana/ml.json\"\n\n[[dashboard]]\nname = \"Mine\"\ngrafana = \"grafana/ml.json\"\nrefresh = \"10s\"\n");
    std::fs::write(&config_path, &text).unwrap();
    let c = centinela::config::load_file(&config_path).unwrap();
    assert_eq!(c.dashboards[0].name, "Mini Market - ML Service Monitor");
    assert_eq!(c.dashboards[1].name, "Mine");
    assert_eq!(c.dashboards[1].refresh.unwrap().0.as_secs(), 10);
    assert_eq!(c.dashboards[0].panels.len(), 8);

    // Problems are reported like the loader's others: file:line:col, message and hint.
    let bad = text.replace("grafana/ml.json\"\nrefresh", "grafana/nope.json\"\nrefresh");
    std::fs::write(dir.path().join("missing.toml"), &bad).unwrap();
    let p = centinela::config::load_file(&dir.path().join("missing.toml")).unwrap_err();
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!((p[0].line, p[0].col), (10, 1), "{p:#?}");
    assert!(p[0].message.contains("cannot read the Grafana dashboard"), "{}", p[0]);
    assert_eq!(p[0].hint.as_deref(), Some("the path is relative to the config file"));
    std::fs::write(dir.path().join("grafana/cut.json"), "{\"panels\": [").unwrap();
    let cut = text.replace("grafana/ml.json\"\nrefresh", "grafana/cut.json\"\nrefresh");
    std::fs::write(dir.path().join("cut.toml"), &cut).unwrap();
    let p = centinela::config::load_file(&dir.path().join("cut.toml")).unwrap_err();
    assert!(p[0].to_string().contains("cut.json: not valid JSON: the file ends in the middle"), "{}", p[0]);
    let both = format!("{text}[[dashboard.panel]]\ntitle = \"x\"\nkind = \"stat\"\nquery = [{{ expr = \"up\" }}]\n");
    std::fs::write(dir.path().join("both.toml"), &both).unwrap();
    let p = centinela::config::load_file(&dir.path().join("both.toml")).unwrap_err();
    assert!(p[0].message.contains("either `grafana` or `panel`"), "{p:#?}");
}

fn has_data(d: &QueryData) -> bool {
    match d {
        QueryData::Vector { samples } => !samples.is_empty(),
        QueryData::Matrix { series } => series.iter().any(|s| !s.points.is_empty()),
        QueryData::Logs { entries } => !entries.is_empty(),
        _ => true,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_panel_shows_data_against_the_demo() {
    let demo = centinela::demo::start(centinela::demo::DemoOptions {
        start_unix_ms: chrono::Utc::now().timestamp_millis() - 30_000,
        frozen: false,
    })
    .await
    .unwrap();
    let mut config = centinela::setup::demo_config(&demo).unwrap();
    let fast = config.dashboards[0].refresh;
    config.dashboards = FILES
        .iter()
        .map(|f| {
            let mut d = import(&read(f)).unwrap().dashboard;
            d.refresh = fast;
            d.time_range = Some(centinela::config::Dur(std::time::Duration::from_secs(15 * 60)));
            d
        })
        .collect();
    let env = config.environment(None).unwrap().clone();
    let state = State::new(&config, &env.name, env.production, centinela::poll::now_ms());
    let mut engine = Engine::new(state, PromClient::new(&env.prometheus), 4);
    engine.fetcher.set_loki(LokiClient::new(env.loki.as_ref().unwrap()));
    engine.keymap = Keymap::load(None).unwrap();
    engine.handle(centinela::action::Action::Resize { width: 160, height: 48 });
    for (d, f) in FILES.iter().enumerate() {
        engine.state.active = d;
        let filled = |s: &State| {
            s.dash().panels.iter().all(|p| p.queries.iter().all(|q| q.slot.data().is_some_and(|(d, _)| has_data(d))))
        };
        let ok = drive(&mut engine, 30, filled).await;
        let dash = &engine.state.dashboards[d];
        for (p, spec) in dash.panels.iter().zip(&dash.spec.panels) {
            for (q, qs) in spec.queries.iter().zip(&p.queries) {
                assert!(
                    qs.slot.data().is_some_and(|(d, _)| has_data(d)),
                    "{f} / {}: `{}` has no data ({:?})",
                    spec.title,
                    q.expr,
                    qs.slot.error()
                );
            }
        }
        assert!(ok, "{f}: not every panel filled");
        let text = to_text(&render(&engine.state, &Theme::builtin_default(), &engine.keymap));
        for bad in ["no data", "✖", "unsupported", "loading…"] {
            assert!(!text.contains(bad), "{f} shows `{bad}`:\n{text}");
        }
    }
}
