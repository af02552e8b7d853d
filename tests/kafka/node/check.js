// What the Node client tests share: failing with a message (exit 1), and bounding a wait.
'use strict';

function fail(message) {
  console.error(`FAILED: ${message}`);
  process.exit(1);
}

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

// `promise`, or a rejection naming `what` once `ms` have passed.
function bounded(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

module.exports = { fail, check, bounded };
