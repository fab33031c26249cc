use super::*;

#[test]
fn ticks_are_ordered_and_windows_are_exact() {
    for source in 0..SOURCES {
        let start = 1_700_000_000_123_456_789;
        let end = start + 60_000_000_000;
        let fwd: Vec<Tick> = ticks(source, start, end, true).collect();
        let mut back: Vec<Tick> = ticks(source, start, end, false).collect();
        back.reverse();
        assert_eq!(fwd, back);
        assert!(fwd.windows(2).all(|w| w[0].ts_ns < w[1].ts_ns));
        assert!(fwd.iter().all(|t| (start..end).contains(&t.ts_ns)));
        let before = Tick::new(source, fwd[0].k - 1);
        let after = Tick::new(source, fwd.last().unwrap().k + 1);
        assert!(before.ts_ns < start && after.ts_ns >= end, "no tick missed at the edges");
        let expected = 60_000_000_000 / period_ns(source);
        assert!((fwd.len() as i64 - expected).abs() <= 1, "{source}: {} ticks", fwd.len());
    }
}

#[test]
fn the_catalogue_has_a_stream_per_service_and_level_and_the_audit_log() {
    assert_eq!(streams().len(), 3 * scenario::SERVICES.len() + 1);
    for (i, s) in streams().iter().enumerate() {
        assert_eq!(stream_of(s.source, s.level.unwrap_or(Level::Info)), i);
    }
    let ml = &streams()[stream_of(source_of("ml_service").unwrap(), Level::Warn)].labels;
    assert_eq!(ml["service"], "ml_service");
    assert_eq!(ml["container"], "minimarket-ml-service-1");
    assert_eq!((ml["level"].as_str(), ml["environment"].as_str()), ("warn", "production"));
    assert_eq!(streams()[stream_of(AUDIT, Level::Info)].labels["job"], "audit_logs");
}

#[test]
fn a_frozen_world_logs_steady_info_lines() {
    let w = World::frozen(1_700_000_000_000);
    let s = Script::new(&w);
    for source in 0..AUDIT {
        for t in ticks(source, 1_700_000_000_000_000_000, 1_700_000_600_000_000_000, true) {
            assert_eq!(s.event(t), Some(Event { stream: stream_of(source, Level::Info), kind: Kind::Request }));
        }
    }
}

#[test]
fn the_incident_is_in_the_logs_at_the_scripted_times() {
    let w = World::new(1_700_000_000_000);
    let t0 = 1_700_000_000_000_000_000i64;
    assert!(w.restart("agente_negocio", 1_700_000_070_000), "healed at t0+70 s");
    let s = Script::new(&w);
    let at = |secs: i64| t0 + secs * 1_000_000_000;
    let kinds = |job: &str, from: i64, to: i64| -> Vec<(i64, Kind, usize)> {
        let source = source_of(job).unwrap_or(AUDIT);
        ticks(source, at(from), at(to), true).filter_map(|t| s.event(t).map(|e| (t.ts_ns, e.kind, e.stream))).collect()
    };
    let negocio = kinds("agente_negocio", 0, 100);
    let (down, healed) = (at(40), at(70));
    assert!(negocio.iter().all(|(ts, ..)| *ts < down || *ts >= healed), "silent while down");
    let crash: Vec<_> = negocio.iter().filter(|(_, k, _)| matches!(k, Kind::Crash(_))).collect();
    assert_eq!(crash.len(), 3);
    assert!(crash.iter().all(|(ts, ..)| (at(38)..down).contains(ts)), "the crash just before t0+40");
    let errors_before = negocio.iter().filter(|(ts, k, _)| *ts < at(35) && *k == Kind::Incident).count();
    let errors_during = negocio.iter().filter(|(ts, k, _)| (at(35)..down).contains(ts) && *k == Kind::Incident);
    assert_eq!(errors_before, 0);
    assert!(errors_during.count() >= 2);
    let after: Vec<_> = negocio.iter().filter(|(ts, ..)| *ts >= healed).collect();
    let startup: Vec<_> = after.iter().take(STARTUP_LINES as usize).map(|(_, k, _)| *k).collect();
    assert_eq!(startup, (0..STARTUP_LINES as u8).map(Kind::Startup).collect::<Vec<_>>());
    assert!(after.iter().skip(STARTUP_LINES as usize).all(|(_, k, _)| *k != Kind::Incident), "healthy again");

    let ml = kinds("ml_service", -600, 300);
    assert!(ml.iter().all(|(ts, k, _)| *ts >= at(20) || *k != Kind::SlowRequest));
    let slow_late = ml.iter().filter(|(ts, k, _)| *ts >= at(80) && *k == Kind::SlowRequest).count();
    assert!(slow_late > 30, "{slow_late} slow-request warnings after the slowdown");
    assert!(ml.iter().filter(|(ts, _, _)| *ts >= at(80)).all(|(_, k, stream)| match k {
        Kind::SlowRequest => streams()[*stream].level == Some(Level::Warn),
        Kind::OcrTimeout => streams()[*stream].level == Some(Level::Error),
        _ => true,
    }));

    for job in ["dashboard", "agente_deposito"] {
        let calls = kinds(job, 0, 100);
        let unreachable: Vec<_> = calls.iter().filter(|(_, k, _)| *k == Kind::UpstreamDown).collect();
        assert!(unreachable.len() >= 3, "{job}");
        assert!(unreachable.iter().all(|(ts, ..)| (down..healed).contains(ts)), "{job}");
    }
    let audit = kinds(AUDIT_JOB, -3600, 100);
    assert!(audit.iter().all(|(ts, ..)| !(down..healed).contains(ts)), "no audit events while down");
    let bursts = audit.iter().filter(|(_, k, _)| matches!(k, Kind::Audit { burst: true, .. })).count();
    assert!(bursts >= 10, "a brute-force burst in the last hour: {bursts}");
    assert!(audit.len() > 60 + bursts, "a few audit events a minute: {}", audit.len());
}
