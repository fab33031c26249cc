//! The JSON the demo's Loki answers, in the shapes recorded from a real Loki
//! (`shared/loki-api-recordings`): nanosecond timestamps as strings in streams, streams sorted by
//! their label set, metric timestamps as seconds (JSON numbers, millisecond precision), sample values
//! as strings, a `stats` object with Loki's keys, and the `categorize-labels` encoding when asked.

use super::logql::pipeline::Labels;
use super::loki_query::{fmt_labels, Entry, Matrix, Stats};
use serde_json::{json, Map, Value};
use std::time::Duration;

/// The `X-Loki-Response-Encoding-Flags` value that splits parsed fields from stream labels.
pub const CATEGORIZE: &str = "categorize-labels";

/// A metric timestamp: unix seconds at millisecond precision, a whole number when it is one (as Go
/// prints `model.Time`).
pub fn seconds(ns: i64) -> Value {
    let ms = ns.div_euclid(1_000_000);
    if ms % 1000 == 0 {
        json!(ms / 1000)
    } else {
        json!(ms as f64 / 1000.0)
    }
}

/// A sample value as Prometheus writes it: shortest form, no exponent.
pub fn sample(v: f64) -> String {
    format!("{v}")
}

fn labels_json(labels: &Labels) -> Value {
    Value::Object(labels.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect())
}

fn value(e: &Entry, categorize: bool) -> Value {
    let mut v = vec![Value::String(e.ts_ns.to_string()), Value::String(e.line.clone())];
    if categorize {
        let stream = &super::loki_logs::streams()[e.stream].labels;
        let parsed: Labels =
            e.labels().iter().filter(|(k, _)| !stream.contains_key(*k)).map(|(k, v)| (k.clone(), v.clone())).collect();
        let mut extra = Map::new();
        if !parsed.is_empty() {
            extra.insert("parsed".into(), labels_json(&parsed));
        }
        v.push(Value::Object(extra));
    }
    Value::Array(v)
}

/// The labels an entry is grouped under: its stream's, or all of them unless categorized.
fn stream_of(e: &Entry, categorize: bool) -> &Labels {
    if categorize {
        &super::loki_logs::streams()[e.stream].labels
    } else {
        e.labels()
    }
}

/// Entries (in the query's direction) as Loki's `streams` result: one object per label set, sorted by
/// the label set's text, values keeping the direction's order.
pub fn streams(entries: &[Entry], categorize: bool) -> Value {
    let mut groups: Vec<(String, &Labels, Vec<Value>)> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for e in entries {
        let labels = stream_of(e, categorize);
        let key = fmt_labels(labels);
        let i = *index.entry(key.clone()).or_insert_with(|| {
            groups.push((key, labels, Vec::new()));
            groups.len() - 1
        });
        groups[i].2.push(value(e, categorize));
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    Value::Array(
        groups
            .into_iter()
            .map(|(_, labels, values)| json!({"stream": labels_json(labels), "values": values}))
            .collect(),
    )
}

/// A tail frame: each entry its own stream object, oldest first, as Loki's tailer sends them.
pub fn tail_frame(entries: &[Entry], categorize: bool) -> Value {
    let streams: Vec<Value> = entries
        .iter()
        .map(|e| json!({"stream": labels_json(stream_of(e, categorize)), "values": [value(e, categorize)]}))
        .collect();
    let mut frame = json!({ "streams": streams });
    if categorize {
        frame["encodingFlags"] = json!([CATEGORIZE]);
    }
    frame
}

pub fn matrix(m: &Matrix) -> Value {
    Value::Array(
        m.iter()
            .map(|(labels, points)| {
                let values: Vec<Value> = points.iter().map(|(t, v)| json!([seconds(*t), sample(*v)])).collect();
                json!({"metric": labels_json(labels), "values": values})
            })
            .collect(),
    )
}

pub fn vector(samples: &[(Labels, f64)], t_ns: i64) -> Value {
    Value::Array(
        samples
            .iter()
            .map(|(labels, v)| json!({"metric": labels_json(labels), "value": [seconds(t_ns), sample(*v)]}))
            .collect(),
    )
}

/// A query answer: `{"status":"success","data":{"resultType":…,"result":…,"stats":…}}`.
pub fn answer(result_type: &str, result: Value, stats: Value, categorize: bool) -> Value {
    let mut data = Map::new();
    data.insert("resultType".into(), json!(result_type));
    if categorize {
        data.insert("encodingFlags".into(), json!([CATEGORIZE]));
    }
    data.insert("result".into(), result);
    data.insert("stats".into(), stats);
    json!({"status": "success", "data": data})
}

fn zeros(keys: &[&str]) -> Value {
    Value::Object(keys.iter().map(|k| (k.to_string(), json!(0))).collect())
}

fn store(head_bytes: u64, head_lines: u64, post_filter: u64) -> Value {
    let mut chunk = zeros(&[
        "headChunkBytes",
        "headChunkLines",
        "decompressedBytes",
        "decompressedLines",
        "compressedBytes",
        "totalDuplicates",
        "postFilterLines",
        "headChunkStructuredMetadataBytes",
        "decompressedStructuredMetadataBytes",
    ]);
    chunk["headChunkBytes"] = json!(head_bytes);
    chunk["headChunkLines"] = json!(head_lines);
    chunk["postFilterLines"] = json!(post_filter);
    let dataobj = zeros(&[
        "prePredicateDecompressedRows",
        "prePredicateDecompressedBytes",
        "prePredicateDecompressedStructuredMetadataBytes",
        "postPredicateRows",
        "postPredicateDecompressedBytes",
        "postPredicateStructuredMetadataBytes",
        "postFilterRows",
        "pagesScanned",
        "pagesDownloaded",
        "pagesDownloadedBytes",
        "pageBatches",
        "totalRowsAvailable",
        "totalPageDownloadTime",
        "wireBytesTransferred",
    ]);
    json!({
        "totalChunksRef": 0, "totalChunksDownloaded": 0, "chunksDownloadTime": 0,
        "queryReferencedStructuredMetadata": false, "queryUsedV2Engine": false,
        "chunk": chunk, "chunkRefsFetchTime": 0, "congestionControlLatency": 0,
        "pipelineWrapperFilteredLines": 0, "dataobj": dataobj,
    })
}

/// Loki's `stats` object with every key a real Loki sends; the demo fills in what it knows (lines
/// and bytes read, entries returned, time taken) as if all of it came from an ingester's head chunks.
pub fn stats(s: &Stats, exec: Duration, returned: usize) -> Value {
    let secs = exec.as_secs_f64().max(1e-9);
    let cache_keys = [
        "entriesFound",
        "entriesRequested",
        "entriesStored",
        "bytesReceived",
        "bytesSent",
        "requests",
        "downloadTime",
        "queryLengthServed",
    ];
    let caches = [
        "chunk",
        "index",
        "result",
        "statsResult",
        "volumeResult",
        "seriesResult",
        "labelResult",
        "instantMetricResult",
        "logResult",
        "taskResult",
    ];
    let cache: Map<String, Value> = caches.iter().map(|c| (c.to_string(), zeros(&cache_keys))).collect();
    json!({
        "summary": {
            "bytesProcessedPerSecond": (s.bytes as f64 / secs) as u64,
            "linesProcessedPerSecond": (s.lines as f64 / secs) as u64,
            "totalBytesProcessed": s.bytes,
            "totalLinesProcessed": s.lines,
            "execTime": secs,
            "queueTime": 0,
            "subqueries": 0,
            "totalEntriesReturned": returned,
            "splits": 0,
            "shards": 1,
            "totalPostFilterLines": s.post_filter,
            "totalStructuredMetadataBytesProcessed": 0,
        },
        "querier": {"store": store(0, 0, 0), "querierExecTime": secs},
        "ingester": {
            "totalReached": 1,
            "totalChunksMatched": if s.lines > 0 { 1 } else { 0 },
            "totalBatches": 1,
            "totalLinesSent": returned,
            "store": store(s.bytes, s.lines, s.post_filter),
            "recvWaitTime": 0,
        },
        "cache": cache,
        "index": {
            "totalChunks": 0, "postFilterChunks": 0, "shardsDuration": 0, "usedBloomFilters": false,
            "totalStreams": 0, "chunkRefsLookupTime": 0, "bloomFilterTime": 0,
        },
    })
}
