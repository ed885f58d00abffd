// Mocha reporter: the usual spec output, then one line "tests: N passed, N failed" that CI
// reads (also written to test-results/summary.txt for .ci/run).
const Mocha = require('mocha');
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    let passed = 0, failed = 0;
    runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, () => { passed++; });
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, () => { failed++; });
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const line = `tests: ${passed} passed, ${failed} failed`;
      fs.mkdirSync('test-results', { recursive: true });
      fs.writeFileSync(path.join('test-results', 'summary.txt'), line + '\n');
      process.stdout.write('\n' + line + '\n');
    });
  }
}
module.exports = SummaryReporter;
