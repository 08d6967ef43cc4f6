/** Loaded by mocha before the tests (.mocharc.json): keeps the SDK's Node-version notice out of test output. */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
