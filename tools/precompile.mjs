// Runs tools/precompile.py inside Pyodide under Node: the bytecode it writes is made by
// the very interpreter the page boots, so the browser can load it instead of compiling.
//
//   node tools/precompile.mjs <work dir>   (see tools/precompile.py)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPyodide } from "pyodide";

const [workDir] = process.argv.slice(2);
if (!workDir) {
  console.error("usage: node tools/precompile.mjs <work dir>");
  process.exit(2);
}

const script = fileURLToPath(new URL("precompile.py", import.meta.url));
const pyodide = await loadPyodide({
  // The standard library as the page gets it (tools/lazy_imports.py patched it), so the
  // modules Pyodide imports at start, which precompile.py measures, are the page's.
  stdLibURL: join(workDir, "python_stdlib.zip"),
  // No column tables (PEP 657) in the bytecode: a third of its size; tracebacks keep lines.
  env: { HOME: "/home/pyodide", PYTHONNODEBUGRANGES: "1" },
  stdout: line => console.log(line),
  stderr: line => console.error(line),
});
pyodide.mountNodeFS("/work", workDir);
try {
  pyodide.runPython(readFileSync(script, "utf8"), { filename: script });
} catch (error) {
  console.error(error.message);  // the Python traceback, without the minified runtime
  process.exit(1);
}
