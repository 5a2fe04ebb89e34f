// Runs tools/precompile.py inside Pyodide under Node: the bytecode it writes is made by
// the very interpreter the page boots, so the browser can load it instead of compiling.
//
//   node tools/precompile.mjs <work dir> [<PyScript dist dir>]   (see tools/precompile.py)
//
// The PyScript dist dir is the files as the site serves them (tools/build.py passes them
// patched by tools/csp_patches.py); node_modules/@pyscript/core/dist without it.
//
// Also writes PyScript's own Python package, as the page will write it at boot, to
// <work dir>/pyscript_package/ (see pyscriptPackage below).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPyodide } from "pyodide";

const [workDir, pyscriptDist] = process.argv.slice(2);
if (!workDir) {
  console.error("usage: node tools/precompile.mjs <work dir>");
  process.exit(2);
}

// PyScript ships its Python package (pyscript/__init__.py, display.py, ...) as a JS object
// literal of file contents in its core chunk, writes it to the browser's file system
// before every script and imports it. Found by its first key and evaluated here, so its
// bytecode can be checked against the very sources the page writes. Not found (another
// PyScript release): nothing is written, and the page compiles the package as before.
function pyscriptPackage(distDir) {
  const marker = '{pyscript:{"__init__.py":';
  for (const name of readdirSync(distDir).filter(n => n.endsWith(".js"))) {
    const source = readFileSync(join(distDir, name), "utf8");
    const start = source.indexOf(marker);
    if (start < 0) continue;
    let depth = 0;
    let quote = null;
    let end = start;
    for (; end < source.length; end++) {
      const c = source[end];
      if (quote) {
        if (c === "\\") end++;
        else if (c === quote) quote = null;
      } else if (c === '"' || c === "'" || c === "`") quote = c;
      else if (c === "{") depth++;
      else if (c === "}" && --depth === 0) break;
    }
    return Function(`"use strict"; return (${source.slice(start, end + 1)});`)();
  }
  return null;
}

function writeTree(dir, tree) {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(tree)) {
    if (typeof content === "string") writeFileSync(join(dir, name), content);
    else writeTree(join(dir, name), content);
  }
}

const distDir = pyscriptDist
  ?? fileURLToPath(new URL("../node_modules/@pyscript/core/dist", import.meta.url));
const pyscript = pyscriptPackage(distDir);
if (pyscript) writeTree(join(workDir, "pyscript_package"), pyscript);
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
