//! Copying (`y`, `Y`) and saving the screen (`P`), driven through `update`.

use super::tests_alerts::{alert, feed_all, state, T0};
use super::*;

fn copied(eff: &[Effect]) -> Vec<&str> {
    eff.iter()
        .filter_map(|e| match e {
            Effect::Copy { text } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

fn intent(s: &mut State, i: Intent) -> Vec<Effect> {
    update(s, Action::Intent { intent: i })
}

#[test]
fn an_alert_copies_as_matchers_and_as_markdown_and_the_status_line_says_so() {
    let mut s = state();
    let mut a = alert("f1", "HighErrorRate", "critical", "checkout");
    a.annotations.insert("summary".into(), "5% of <requests> fail".into());
    a.labels.insert("path".into(), "/pay \"now\"".into());
    feed_all(&mut s, vec![a]);
    let eff = intent(&mut s, Intent::CopyMatchers);
    let m = r#"{alertname="HighErrorRate", path="/pay \"now\"", pod="p-1", service="checkout", severity="critical"}"#;
    assert_eq!(copied(&eff), [m]);
    let st = s.status.clone().unwrap();
    assert_eq!((st.text.as_str(), st.error), (format!("copied {} bytes: matchers", m.len()).as_str(), false));

    let eff = intent(&mut s, Intent::CopyAlertMarkdown);
    let md = copied(&eff)[0];
    assert!(md.starts_with("### HighErrorRate (critical)\n"), "{md}");
    assert!(md.contains("- **summary:** 5% of &lt;requests&gt; fail"), "{md}");
    assert!(md.contains("(1m ago)"), "{md}");
}

#[test]
fn copying_outside_its_view_or_with_nothing_selected_copies_nothing() {
    let mut s = state();
    assert!(copied(&intent(&mut s, Intent::CopyMatchers)).is_empty(), "no alerts yet");
    assert!(s.status.as_ref().unwrap().error);
    s.page = Page::Dashboards;
    assert!(copied(&intent(&mut s, Intent::CopyLine)).is_empty());
}

#[test]
fn a_panel_copies_its_queries_and_a_large_copy_warns() {
    let mut s = state();
    s.page = Page::Dashboards;
    assert_eq!(copied(&intent(&mut s, Intent::CopyQuery)), ["up"]);
    let eff = copy::copy(&mut s, "big", "x".repeat(60_000));
    assert_eq!(copied(&eff).len(), 1);
    let st = s.status.clone().unwrap();
    assert!(st.error && st.text.contains("over ~74 KB"), "{}", st.text);
}

#[test]
fn saving_names_the_view_and_reports_the_answer() {
    let mut s = state();
    assert_eq!(intent(&mut s, Intent::SaveSnapshot), [Effect::SaveSnapshot { name: "alerts".into() }]);
    s.page = Page::Dashboards;
    assert_eq!(intent(&mut s, Intent::SaveSnapshot), [Effect::SaveSnapshot { name: "system".into() }]);
    s.now_ms = T0;
    let outcome = Err("cannot save snapshot to /x: permission denied".to_string());
    update(&mut s, Action::SnapshotSaved { outcome });
    assert_eq!(s.status.as_ref().unwrap().text, "cannot save snapshot to /x: permission denied");
    update(&mut s, Action::SnapshotSaved { outcome: Ok(vec!["/d/a.svg".into(), "/d/a.txt".into()]) });
    assert_eq!(s.status.as_ref().unwrap().text, "snapshot saved: /d/a.svg, /d/a.txt");
}
