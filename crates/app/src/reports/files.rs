//! The files of reports and retention: a report's rows as CSV or Parquet (each row naming the checkpoint the
//! report is consistent with; Parquet also in its key-value metadata), and a day's compacted plays as Parquet
//! (every record field a column, plus the leaf index), with readers for both (`twincast verify report` reads
//! reports with them; reports read compacted days with them).

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, StringBuilder, UInt64Builder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type, UInt64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use std::sync::Arc;
use twincast_core::proof::PlayRecord;
use twincast_core::report::ReportRow;

/// The columns of a report file, in order.
pub const REPORT_COLUMNS: [&str; 15] = [
    "partner",
    "day",
    "location",
    "location_name",
    "location_kind",
    "screen",
    "campaign",
    "plays",
    "counted_plays",
    "airtime_ms",
    "screen_airtime_ms",
    "share",
    "target_share",
    "checkpoint_size",
    "checkpoint_root",
];

/// Parquet key-value metadata naming the checkpoint.
pub const META_SIZE: &str = "twincast.checkpoint.size";
/// Parquet key-value metadata naming the checkpoint's root (base64).
pub const META_ROOT: &str = "twincast.checkpoint.root";

/// A report file read back: its rows and the checkpoint it names.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportFile {
    /// The rows.
    pub rows: Vec<ReportRow>,
    /// Checkpoint size.
    pub size: u64,
    /// Checkpoint root, base64.
    pub root: String,
}

/// A report as CSV (RFC 4180, a header line, `.` decimals, empty for no target).
pub fn report_csv(rows: &[ReportRow], size: u64, root: &str) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(REPORT_COLUMNS);
    for r in rows {
        let _ = w.write_record([
            r.partner.as_str(),
            &r.day,
            &r.location,
            &r.location_name,
            &r.location_kind,
            &r.screen,
            &r.campaign,
            &r.plays.to_string(),
            &r.counted_plays.to_string(),
            &r.airtime_ms.to_string(),
            &r.screen_airtime_ms.to_string(),
            &r.share.to_string(),
            &r.target_share.map(|t| t.to_string()).unwrap_or_default(),
            &size.to_string(),
            root,
        ]);
    }
    w.into_inner().unwrap_or_default()
}

fn props(meta: Vec<KeyValue>) -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_key_value_metadata(Some(meta))
        .build()
}

fn write(batch: RecordBatch, meta: Vec<KeyValue>) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, batch.schema(), Some(props(meta)))
        .map_err(|e| e.to_string())?;
    w.write(&batch).map_err(|e| e.to_string())?;
    w.close().map_err(|e| e.to_string())?;
    Ok(out)
}

fn strings<'a>(it: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
    let mut b = StringBuilder::new();
    for s in it {
        b.append_option(s);
    }
    Arc::new(b.finish())
}

fn ints(it: impl Iterator<Item = Option<i64>>) -> ArrayRef {
    let mut b = Int64Builder::new();
    for v in it {
        b.append_option(v);
    }
    Arc::new(b.finish())
}

fn uints(it: impl Iterator<Item = u64>) -> ArrayRef {
    let mut b = UInt64Builder::new();
    for v in it {
        b.append_value(v);
    }
    Arc::new(b.finish())
}

/// A report as Parquet (zstd), one row group.
pub fn report_parquet(rows: &[ReportRow], size: u64, root: &str) -> Result<Vec<u8>, String> {
    let s = |n: &str| Field::new(n, DataType::Utf8, false);
    let schema = Schema::new(vec![
        s("partner"),
        s("day"),
        s("location"),
        s("location_name"),
        s("location_kind"),
        s("screen"),
        s("campaign"),
        Field::new("plays", DataType::UInt64, false),
        Field::new("counted_plays", DataType::UInt64, false),
        Field::new("airtime_ms", DataType::Int64, false),
        Field::new("screen_airtime_ms", DataType::Int64, false),
        Field::new("share", DataType::Float64, false),
        Field::new("target_share", DataType::Float64, true),
        Field::new("checkpoint_size", DataType::UInt64, false),
        s("checkpoint_root"),
    ]);
    let mut share = Float64Builder::new();
    let mut target = Float64Builder::new();
    for r in rows {
        share.append_value(r.share);
        target.append_option(r.target_share);
    }
    let cols: Vec<ArrayRef> = vec![
        strings(rows.iter().map(|r| Some(r.partner.as_str()))),
        strings(rows.iter().map(|r| Some(r.day.as_str()))),
        strings(rows.iter().map(|r| Some(r.location.as_str()))),
        strings(rows.iter().map(|r| Some(r.location_name.as_str()))),
        strings(rows.iter().map(|r| Some(r.location_kind.as_str()))),
        strings(rows.iter().map(|r| Some(r.screen.as_str()))),
        strings(rows.iter().map(|r| Some(r.campaign.as_str()))),
        uints(rows.iter().map(|r| r.plays)),
        uints(rows.iter().map(|r| r.counted_plays)),
        ints(rows.iter().map(|r| Some(r.airtime_ms))),
        ints(rows.iter().map(|r| Some(r.screen_airtime_ms))),
        Arc::new(share.finish()),
        Arc::new(target.finish()),
        uints(rows.iter().map(|_| size)),
        strings(rows.iter().map(|_| Some(root))),
    ];
    let batch = RecordBatch::try_new(Arc::new(schema), cols).map_err(|e| e.to_string())?;
    write(
        batch,
        vec![
            KeyValue::new(META_SIZE.to_string(), size.to_string()),
            KeyValue::new(META_ROOT.to_string(), root.to_string()),
        ],
    )
}

fn batches(bytes: &[u8]) -> Result<Vec<RecordBatch>, String> {
    let r = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::copy_from_slice(bytes))
        .and_then(|b| b.build())
        .map_err(|e| format!("not a Parquet file: {e}"))?;
    r.collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("the Parquet file is damaged: {e}"))
}

fn col<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef, String> {
    b.column_by_name(name)
        .ok_or_else(|| format!("the file has no column {name}"))
}

fn str_at(b: &RecordBatch, name: &str, i: usize) -> Result<Option<String>, String> {
    let c = col(b, name)?;
    let a = c
        .as_string_opt::<i32>()
        .ok_or_else(|| format!("column {name} is not text"))?;
    Ok((!a.is_null(i)).then(|| a.value(i).to_string()))
}

fn i64_at(b: &RecordBatch, name: &str, i: usize) -> Result<Option<i64>, String> {
    let c = col(b, name)?;
    let a = c
        .as_primitive_opt::<Int64Type>()
        .ok_or_else(|| format!("column {name} is not a 64-bit integer"))?;
    Ok((!a.is_null(i)).then(|| a.value(i)))
}

fn u64_at(b: &RecordBatch, name: &str, i: usize) -> Result<u64, String> {
    let c = col(b, name)?;
    let a = c
        .as_primitive_opt::<UInt64Type>()
        .ok_or_else(|| format!("column {name} is not an unsigned integer"))?;
    Ok(a.value(i))
}

fn f64_at(b: &RecordBatch, name: &str, i: usize) -> Result<Option<f64>, String> {
    let c = col(b, name)?;
    let a = c
        .as_primitive_opt::<Float64Type>()
        .ok_or_else(|| format!("column {name} is not a float"))?;
    Ok((!a.is_null(i)).then(|| a.value(i)))
}

fn need<T>(v: Option<T>, name: &str) -> Result<T, String> {
    v.ok_or_else(|| format!("column {name} has an empty value"))
}

/// Reads a report file, Parquet (by its `PAR1` magic) or CSV. Every row must name the same checkpoint.
pub fn read_report(bytes: &[u8]) -> Result<ReportFile, String> {
    let mut rows = Vec::new();
    let mut cps = std::collections::BTreeSet::new();
    if bytes.starts_with(b"PAR1") {
        for b in batches(bytes)? {
            for i in 0..b.num_rows() {
                let t = |n: &str| str_at(&b, n, i).and_then(|v| need(v, n));
                rows.push(ReportRow {
                    partner: t("partner")?,
                    day: t("day")?,
                    location: t("location")?,
                    location_name: t("location_name")?,
                    location_kind: t("location_kind")?,
                    screen: t("screen")?,
                    campaign: t("campaign")?,
                    plays: u64_at(&b, "plays", i)?,
                    counted_plays: u64_at(&b, "counted_plays", i)?,
                    airtime_ms: need(i64_at(&b, "airtime_ms", i)?, "airtime_ms")?,
                    screen_airtime_ms: need(
                        i64_at(&b, "screen_airtime_ms", i)?,
                        "screen_airtime_ms",
                    )?,
                    share: need(f64_at(&b, "share", i)?, "share")?,
                    target_share: f64_at(&b, "target_share", i)?,
                });
                cps.insert((u64_at(&b, "checkpoint_size", i)?, t("checkpoint_root")?));
            }
        }
    } else {
        let mut r = csv::Reader::from_reader(bytes);
        let header: Vec<String> = r
            .headers()
            .map_err(|e| format!("not a CSV file: {e}"))?
            .iter()
            .map(str::to_string)
            .collect();
        if header != REPORT_COLUMNS {
            return Err("the CSV file's header is not a report's".into());
        }
        for (n, rec) in r.records().enumerate() {
            let rec = rec.map_err(|e| format!("line {}: {e}", n + 2))?;
            let f = |i: usize| rec.get(i).unwrap_or_default().to_string();
            let num = |i: usize| -> Result<i64, String> {
                f(i).parse()
                    .map_err(|_| format!("line {}: {} is not a number", n + 2, REPORT_COLUMNS[i]))
            };
            let float = |i: usize| -> Result<f64, String> {
                f(i).parse()
                    .map_err(|_| format!("line {}: {} is not a number", n + 2, REPORT_COLUMNS[i]))
            };
            rows.push(ReportRow {
                partner: f(0),
                day: f(1),
                location: f(2),
                location_name: f(3),
                location_kind: f(4),
                screen: f(5),
                campaign: f(6),
                plays: num(7)? as u64,
                counted_plays: num(8)? as u64,
                airtime_ms: num(9)?,
                screen_airtime_ms: num(10)?,
                share: float(11)?,
                target_share: if f(12).is_empty() {
                    None
                } else {
                    Some(float(12)?)
                },
            });
            cps.insert((num(13)? as u64, f(14)));
        }
    }
    match cps.len() {
        0 => Err("the report has no rows, so it names no checkpoint".into()),
        1 => {
            let (size, root) = cps.into_iter().next().unwrap_or_default();
            Ok(ReportFile { rows, size, root })
        }
        _ => Err("the report's rows name different checkpoints".into()),
    }
}

/// A day's compacted plays as Parquet: each record field a column (as in the record, `ref` included), and
/// `log_index`, the play's leaf.
pub fn archive_parquet(plays: &[(PlayRecord, u64)]) -> Result<Vec<u8>, String> {
    let s = |n: &str, null: bool| Field::new(n, DataType::Utf8, null);
    let i = |n: &str, null: bool| Field::new(n, DataType::Int64, null);
    let schema = Schema::new(vec![
        Field::new("log_index", DataType::UInt64, false),
        i("v", false),
        s("ref", false),
        s("event", false),
        s("screen", false),
        s("location", false),
        s("device", true),
        s("partner", true),
        s("campaign", true),
        s("item", true),
        s("alert", true),
        s("media", true),
        i("started_at", false),
        i("utc_offset_s", false),
        i("planned_ms", true),
        i("actual_ms", false),
        s("policy", false),
        Field::new("counted", DataType::Boolean, false),
        s("reason", true),
        i("received_at", false),
        s("batch", true),
    ]);
    let r = || plays.iter().map(|(r, _)| r);
    let mut counted = BooleanBuilder::new();
    for x in r() {
        counted.append_value(x.counted);
    }
    let cols: Vec<ArrayRef> = vec![
        uints(plays.iter().map(|(_, i)| *i)),
        ints(r().map(|x| Some(i64::from(x.v)))),
        strings(r().map(|x| Some(x.reference.as_str()))),
        strings(r().map(|x| Some(x.event.as_str()))),
        strings(r().map(|x| Some(x.screen.as_str()))),
        strings(r().map(|x| Some(x.location.as_str()))),
        strings(r().map(|x| x.device.as_deref())),
        strings(r().map(|x| x.partner.as_deref())),
        strings(r().map(|x| x.campaign.as_deref())),
        strings(r().map(|x| x.item.as_deref())),
        strings(r().map(|x| x.alert.as_deref())),
        strings(r().map(|x| x.media.as_deref())),
        ints(r().map(|x| Some(x.started_at))),
        ints(r().map(|x| Some(i64::from(x.utc_offset_s)))),
        ints(r().map(|x| x.planned_ms)),
        ints(r().map(|x| Some(x.actual_ms))),
        strings(r().map(|x| Some(x.policy.as_str()))),
        Arc::new(counted.finish()),
        strings(r().map(|x| x.reason.as_deref())),
        ints(r().map(|x| Some(x.received_at))),
        strings(r().map(|x| x.batch.as_deref())),
    ];
    let batch = RecordBatch::try_new(Arc::new(schema), cols).map_err(|e| e.to_string())?;
    write(batch, Vec::new())
}

/// Reads a day's compacted plays back.
pub fn read_archive(bytes: &[u8]) -> Result<Vec<(PlayRecord, u64)>, String> {
    let mut out = Vec::new();
    for b in batches(bytes)? {
        let counted = col(&b, "counted")?
            .as_boolean_opt()
            .ok_or("column counted is not a boolean")?
            .clone();
        for i in 0..b.num_rows() {
            let t = |n: &str| str_at(&b, n, i);
            let req = |n: &str| t(n).and_then(|v| need(v, n));
            let int = |n: &str| i64_at(&b, n, i).and_then(|v| need(v, n));
            out.push((
                PlayRecord {
                    v: int("v")? as u32,
                    reference: req("ref")?,
                    event: req("event")?,
                    screen: req("screen")?,
                    location: req("location")?,
                    device: t("device")?,
                    partner: t("partner")?,
                    campaign: t("campaign")?,
                    item: t("item")?,
                    alert: t("alert")?,
                    media: t("media")?,
                    started_at: int("started_at")?,
                    utc_offset_s: int("utc_offset_s")? as i32,
                    planned_ms: i64_at(&b, "planned_ms", i)?,
                    actual_ms: int("actual_ms")?,
                    policy: req("policy")?,
                    counted: counted.value(i),
                    reason: t("reason")?,
                    received_at: int("received_at")?,
                    batch: t("batch")?,
                },
                u64_at(&b, "log_index", i)?,
            ));
        }
    }
    Ok(out)
}
