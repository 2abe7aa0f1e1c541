//! The JSON Schema of job spec files, generated from these types so that the
//! file editors use (`schemas/job.schema.json`) cannot drift from the reader.

use schemars::{JsonSchema, Schema, SchemaGenerator, generate::SchemaSettings, json_schema};

/// A container job request for the Sugon AC / SCNet platform, checked by
/// jobcheck against the resource group's limits. Keys starting with `x-` are
/// ignored.
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(
    title = "jobcheck job spec",
    extend("patternProperties" = {"^x-": {}}, "additionalProperties" = false)
)]
#[allow(dead_code)]
struct JobSpec {
    /// A name for reports.
    name: Option<String>,
    /// The platform's resource group to run in, e.g. TeslaM40.
    #[schemars(length(min = 1))]
    resource_group: String,
    /// The accelerator type; inferred from gpus/dcus/mlus when absent.
    accelerator_type: Option<AcceleratorType>,
    /// Nodes (taskNumber); default 1.
    #[schemars(range(min = 1), extend("default" = 1))]
    nodes: Option<u64>,
    /// CPU cores per node.
    #[schemars(range(min = 1))]
    cpus: u64,
    /// GPU cards per node (at most one of gpus, dcus, mlus).
    gpus: Option<u64>,
    /// DCU cards per node.
    dcus: Option<u64>,
    /// MLU cards per node.
    mlus: Option<u64>,
    /// Memory per node: a number with a unit K, M, G or T (also KB/KiB, …; base
    /// 1024), e.g. 16G. A bare number is MiB.
    memory: MemoryText,
    /// The longest run time: D-HH:MM:SS, HH:MM:SS, MM:SS, MM, a suffix form
    /// (90m, 36h, 2d, 1d12h) or unlimited.
    walltime: Option<TimeText>,
}

/// Memory in the grammar of `units::Memory`.
struct MemoryText;

impl JsonSchema for MemoryText {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Memory".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        memory(generator)
    }
}

/// A time in the grammar of `units::TimeLimit`.
struct TimeText;

impl JsonSchema for TimeText {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Time".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        time(generator)
    }
}

#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum AcceleratorType {
    Gpu,
    Dcu,
    Mlu,
    Cpu,
}

fn memory(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "oneOf": [
            {"type": "string", "pattern": "^\\s*[0-9]+(\\.[0-9]+)?\\s*([KkMmGgTt]([Ii]?[Bb])?)?\\s*$"},
            {"type": "number", "exclusiveMinimum": 0}
        ]
    })
}

fn time(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "oneOf": [
            {"type": "string", "pattern": "^\\s*([0-9]+-[0-9]+(:[0-9]+){0,2}|[0-9]+(:[0-9]+){0,2}|([0-9]+[dD])?([0-9]+[hH])?([0-9]+[mM])?([0-9]+[sS])?|[Uu][Nn][Ll][Ii][Mm][Ii][Tt][Ee][Dd]|[Ii][Nn][Ff][Ii][Nn][Ii][Tt][Ee]|-1)\\s*$", "minLength": 1},
            {"type": "integer", "minimum": -1}
        ]
    })
}

/// `schemas/job.schema.json`, as JSON Schema draft-07.
pub fn job_schema() -> String {
    let schema = SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<JobSpec>();
    let mut value = schema.to_value();
    // An optional key may be left out, but not written as null.
    if let Some(props) = value.get_mut("properties").and_then(|p| p.as_object_mut()) {
        for prop in props.values_mut() {
            if let Some(types) = prop.get_mut("type").and_then(|t| t.as_array_mut()) {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types[0].clone();
                    prop["type"] = only;
                }
            }
            if let Some(any_of) = prop.get("anyOf").and_then(|a| a.as_array()) {
                let kept: Vec<_> = any_of
                    .iter()
                    .filter(|s| s.get("type").is_none_or(|t| t != "null"))
                    .cloned()
                    .collect();
                if kept.len() == 1 {
                    let description = prop.get("description").cloned();
                    *prop = kept[0].clone();
                    if let Some(d) = description {
                        prop["description"] = d;
                    }
                }
            }
        }
    }
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}
