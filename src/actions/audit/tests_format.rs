//! The record format (a line, its body and its hash) and the redaction rules, without files.

use super::record::{parse_line, LineError};
use super::*;

fn sealed() -> Record {
    let mut e = Entry::new(Event::Finished, "9f2c41d07a3be815");
    e.action = "restart".into();
    e.command = Some(AuditCommand::Argv(["systemctl", "restart", "checkout"].map(String::from).into()));
    e.exit_code = Some(0);
    Record::seal(0, "2025-03-01T09:14:07.215Z".into(), e, ZERO_HASH.into())
}

#[test]
fn a_line_is_its_body_with_the_hash_of_the_body_added() {
    let r = sealed();
    let (line, body) = (r.line(), r.body());
    assert!(!body.contains("\"hash\""), "{body}");
    assert_eq!(r.hash, sha256_hex(body.as_bytes()));
    assert_eq!(line, format!("{},\"hash\":\"{}\"}}", &body[..body.len() - 1], r.hash));
    assert_eq!(line, serde_json::to_string(&r).unwrap(), "the line is the record's own serialisation");
    assert!(line
        .starts_with(r#"{"seq":0,"time":"2025-03-01T09:14:07.215Z","event":"finished","attempt":"9f2c41d07a3be815""#));
    assert_eq!(parse_line(line.as_bytes()).unwrap(), r);
    assert!(r.is_first());
}

#[test]
fn a_line_is_checked_against_its_own_hash() {
    let line = sealed().line();
    let edited = line.replace("restart\"", "stop\"");
    assert_eq!(parse_line(edited.as_bytes()).unwrap_err(), (LineError::HashMismatch, Some(0)));
    let spaced = line.replacen(',', ", ", 1);
    assert_eq!(parse_line(spaced.as_bytes()).unwrap_err().0, LineError::HashMismatch);
    let upper = line.replace(&sealed().hash, &sealed().hash.to_uppercase());
    assert_eq!(parse_line(upper.as_bytes()).unwrap_err().0, LineError::NoHash, "the hash is lower-case hex");
    assert_eq!(parse_line(&line.as_bytes()[..40]).unwrap_err(), (LineError::NotJson, None));
    assert_eq!(parse_line(b"\xc3\x28").unwrap_err().0, LineError::NotUtf8);
    assert!(matches!(parse_line(br#"{"seq":4}"#).unwrap_err(), (LineError::NotARecord(_), Some(4))));
}

#[test]
fn confirmations_and_events_as_written() {
    for c in [Confirmation::None, Confirmation::Yes, Confirmation::Typed("prod-eu".into())] {
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<Confirmation>(&json).unwrap(), c);
    }
    assert_eq!(serde_json::to_string(&Confirmation::Typed("prod".into())).unwrap(), "\"typed:prod\"");
    assert!(serde_json::from_str::<Confirmation>("\"maybe\"").is_err());
    for e in [Event::Started, Event::TimedOut, Event::DryRun, Event::Recovered] {
        assert_eq!(serde_json::to_string(&e).unwrap(), format!("\"{}\"", e.as_str()));
    }
}

#[test]
fn redaction_rules() {
    assert_eq!(redact("abc abcdef", &["abc", "abcdef", ""]), "<redacted> <redacted>");
    assert_eq!(redact("u=p%40ss%20w0rd", &["p@ss w0rd"]), "u=<redacted>");
    assert_eq!(redact("nothing here", &[]), "nothing here");
    for name in
        ["Authorization", "proxy-authorization", "Cookie", "X-API-Key", "x-auth-token", "DB_PASSWORD", "--secret"]
    {
        assert!(is_secret_name(name), "{name}");
    }
    for name in ["Accept", "content-type", "--verbose", "user"] {
        assert!(!is_secret_name(name), "{name}");
    }
    assert_eq!(redact_header("authorization", "Basic dXNlcjpwYXNz", &[]), "Basic <redacted>");
    assert_eq!(redact_header("Authorization", "dXNlcjpwYXNz", &[]), "<redacted>");
    assert_eq!(redact_header("Cookie", "session=abc; theme=dark", &[]), "<redacted>");
    assert_eq!(redact_header("X-Trace", "id-s3", &["s3"]), "id-<redacted>");
    assert_eq!(
        redact_url("https://u:pw@h:8443/p?x=1&token=abc&sig=&password=p#access_token=z", &[]),
        "https://u:<redacted>@h:8443/p?x=1&token=<redacted>&sig=&password=<redacted>#access_token=<redacted>"
    );
    assert_eq!(redact_url("/relative/path?q=up", &["up"]), "/relative/path?q=<redacted>");
    let argv: Vec<String> =
        ["mysql", "--password=hunter2", "--user", "root", "--api-key", "k", "PGPASSWORD=pw", "x-api-key:abc", "--key="]
            .map(String::from)
            .into();
    assert_eq!(
        redact_argv(&argv, &[]),
        [
            "mysql",
            "--password=<redacted>",
            "--user",
            "root",
            "--api-key",
            "<redacted>",
            "PGPASSWORD=<redacted>",
            "x-api-key: <redacted>",
            "--key="
        ]
    );
    let once = AuditCommand::argv(&argv, &["root"]);
    assert_eq!(once.redacted(&["root"]), once, "redacting twice changes nothing");
    let http = AuditCommand::http("GET", "https://h/?token=t", &[("Authorization", "Bearer t")], &[]);
    assert_eq!(http.redacted(&[]), http);
}
