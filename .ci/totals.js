// The closing line of CI from jest's --json results: "N passed, N failed, N skipped".
// A suite that could not run (a syntax error, a failing beforeAll import) counts as failed;
// skipped is what jest skipped (describe.skip / it.skip, as where terraform is missing) and todo.
const results = require(require('path').resolve(process.argv[2]));
const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
console.log(`${results.numPassedTests} passed, ${failed} failed, ${results.numPendingTests + results.numTodoTests} skipped`);
