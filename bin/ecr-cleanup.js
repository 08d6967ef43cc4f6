#!/usr/bin/env node
"use strict";
// The AWS SDK prints a nine-line notice on every run under Node 20 (its releases published after the first week of
// January 2027 need Node 22); the README says so once, and a user who wants the notice can set the variable to false.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
// Built by `npm run build` (run automatically by `npm ci` through the `prepare` script).
require("../dist/runtime/cli/main.js").runProcess(process.argv.slice(2));
