use super::*;

const MIN: u64 = 60_000;

fn policy(cooldown_s: u64) -> Policy {
    Policy { cooldown: Duration::from_secs(cooldown_s), ..Policy::default() }
}

fn begin(g: &mut Guards, p: &Policy, now: u64) -> Result<(), String> {
    g.begin("restart", "agente_negocio", "production", &Confirmation::Yes, p, now)
}

#[test]
fn a_second_start_while_one_runs_is_refused() {
    let mut g = Guards::new(false);
    let p = policy(0);
    begin(&mut g, &p, 1_000).unwrap();
    assert_eq!(
        begin(&mut g, &p, 13_500).unwrap_err(),
        "restart on agente_negocio is already running (started 12 s ago)"
    );
    // Another target, or another action on the same target, is not held up.
    g.begin("restart", "web-1", "production", &Confirmation::Yes, &p, 13_500).unwrap();
    g.begin("rollback", "agente_negocio", "production", &Confirmation::Yes, &p, 13_500).unwrap();
    assert_eq!(g.running().count(), 3);
    g.end("restart", "agente_negocio", 20_000);
    begin(&mut g, &p, 20_000).unwrap();
}

#[test]
fn the_cooldown_counts_from_the_end_of_the_last_run() {
    let mut g = Guards::new(false);
    let p = policy(120);
    begin(&mut g, &p, 0).unwrap();
    g.end("restart", "agente_negocio", 10 * MIN);
    assert_eq!(
        begin(&mut g, &p, 10 * MIN + 40_000).unwrap_err(),
        "restart on agente_negocio ran 40 s ago; cooldown 2m, try again in 1m20s"
    );
    assert_eq!(
        begin(&mut g, &p, 10 * MIN + 119_500).unwrap_err(),
        "restart on agente_negocio ran 1m59s ago; cooldown 2m, try again in 1 s"
    );
    begin(&mut g, &p, 12 * MIN).unwrap();
}

#[test]
fn an_abandoned_run_has_no_cooldown() {
    let mut g = Guards::new(false);
    let p = policy(3600);
    begin(&mut g, &p, 0).unwrap();
    g.abandon("restart", "agente_negocio");
    begin(&mut g, &p, 1).unwrap();
}

#[test]
fn read_only_refuses_everything_dangerous_or_not() {
    let expected = "read-only: centinela was started with --read-only (or the environment says read_only = true); \
                    actions are refused";
    let typed = Confirmation::Typed("production".into());
    for (global, env, dangerous) in
        [(true, false, false), (false, true, false), (true, true, true), (false, true, true)]
    {
        let mut g = Guards::new(global);
        let p = Policy { read_only: env, dangerous, ..Policy::default() };
        assert_eq!(g.begin("restart", "x", "production", &typed, &p, 0).unwrap_err(), expected);
        assert_eq!(g.running().count(), 0);
    }
}

#[test]
fn a_dangerous_action_needs_the_environment_typed() {
    let mut g = Guards::new(false);
    let p = Policy { dangerous: true, ..Policy::default() };
    let expected = "restart is marked dangerous: it runs only after the environment's name `production` is typed";
    for wrong in [Confirmation::None, Confirmation::Yes, Confirmation::Typed("staging".into())] {
        assert_eq!(g.begin("restart", "x", "production", &wrong, &p, 0).unwrap_err(), expected);
    }
    g.begin("restart", "x", "production", &Confirmation::Typed("production".into()), &p, 0).unwrap();
}

#[test]
fn durations_read_short() {
    assert_eq!(duration_words(0), "0 s");
    assert_eq!(duration_words(59), "59 s");
    assert_eq!(duration_words(60), "1m");
    assert_eq!(duration_words(80), "1m20s");
    assert_eq!(duration_words(3600), "1h");
    assert_eq!(duration_words(3900), "1h5m");
}
