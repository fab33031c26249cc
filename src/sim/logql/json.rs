//! `| json` without building a JSON tree: a serde visitor walks the line once and hands each scalar to
//! [`Fields::extract`] under its flattened name (`a_b` for `{"a":{"b":…}}`); arrays are skipped, strings
//! unescaped, numbers and booleans kept as written, `null` dropped, as Loki's JSON parser does.

use super::pipeline::{Fields, Labels};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Extract the fields of a JSON object line; false when the line is not one.
pub fn extract(line: &str, stream: &Labels, fields: &mut Fields) -> bool {
    let mut de = serde_json::Deserializer::from_str(line);
    let mut scratch = Fields::default();
    let ok = Object { prefix: "", stream, out: &mut scratch }.deserialize(&mut de).is_ok() && de.end().is_ok();
    if ok {
        for (k, v) in scratch.into_pairs() {
            fields.extract(stream, &k, v);
        }
    }
    ok
}

/// A JSON object whose members are named `prefix_member`.
struct Object<'a> {
    prefix: &'a str,
    stream: &'a Labels,
    out: &'a mut Fields,
}

impl<'de> DeserializeSeed<'de> for Object<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Object<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let name = if self.prefix.is_empty() { key.into_owned() } else { format!("{}_{key}", self.prefix) };
            map.next_value_seed(Member { name: &name, stream: self.stream, out: self.out })?;
        }
        Ok(())
    }
}

/// One member's value.
struct Member<'a> {
    name: &'a str,
    stream: &'a Labels,
    out: &'a mut Fields,
}

impl Member<'_> {
    fn set(self, value: String) {
        self.out.push_raw(self.name, value);
    }
}

impl<'de> DeserializeSeed<'de> for Member<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Member<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.set(v.to_string());
        Ok(())
    }

    fn visit_string<E>(self, v: String) -> Result<(), E> {
        self.set(v);
        Ok(())
    }

    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.set(v.to_string());
        Ok(())
    }

    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.set(v.to_string());
        Ok(())
    }

    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.set(v.to_string());
        Ok(())
    }

    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.set(v.to_string());
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.set(String::new());
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        Object { prefix: self.name, stream: self.stream, out: self.out }.visit_map(map)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
}
