#!/usr/bin/env node
"use strict";
// Built by `npm run build` (run automatically by `npm ci` through the `prepare` script).
require("../dist/runtime/cli/main.js").main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
