// web/decimal.js, the page's exact decimal-string arithmetic, in Node (no browser needed).
// ctest: browser.decimal. By hand: node --test tests/browser/decimal.test.mjs

import assert from "node:assert/strict";
import fs from "node:fs";
import { test } from "node:test";

// web/ is served as it is, with no package.json to tell Node its .js files are ES modules, so
// the module is loaded from its text.
const source = fs.readFileSync(new URL("../../web/decimal.js", import.meta.url), "utf8");
const { compareDecimal, decimalsOf, isDecimal, roundDecimal, shortDecimal, signOf } = await import(
  "data:text/javascript," + encodeURIComponent(source)
);

test("isDecimal accepts what tickerd sends and nothing else", () => {
  for (const ok of ["0", "12", "-0.99", "85205.70", "0.00000001"]) assert.ok(isDecimal(ok), ok);
  for (const bad of ["", "-", ".5", "5.", "1e5", " 1", "1,000", "NaN", null, 12]) {
    assert.ok(!isDecimal(bad), String(bad));
  }
});

test("compareDecimal is exact, whatever the number of decimals", () => {
  assert.equal(compareDecimal("85205.70", "85205.7"), 0);
  assert.equal(compareDecimal("85205.71", "85205.7"), 1);
  assert.equal(compareDecimal("0.10", "0.09"), 1);
  assert.equal(compareDecimal("-0.5", "-0.6"), 1);
  assert.equal(compareDecimal("-1", "0.5"), -1);
  assert.equal(compareDecimal("-0.00", "0"), 0);
  assert.equal(compareDecimal("100", "99.999"), 1);
  assert.equal(compareDecimal("007.5", "7.50"), 0);
  // Beyond a double's 15-16 significant digits.
  assert.equal(compareDecimal("12345678901234567.000000002", "12345678901234567.000000001"), 1);
  assert.equal(compareDecimal("1", "x"), null);
});

test("signOf", () => {
  assert.equal(signOf("-0.99"), -1);
  assert.equal(signOf("0.00"), 0);
  assert.equal(signOf("-0.00"), 0);
  assert.equal(signOf("0.01"), 1);
  assert.equal(signOf("garbage"), 0);
});

test("roundDecimal rounds half away from zero in string arithmetic", () => {
  const cases = [
    ["0.402114", 2, "0.40"], ["0.405", 2, "0.41"], ["0.404999", 2, "0.40"], ["0.995", 2, "1.00"],
    ["9.995", 2, "10.00"], ["-1.005", 2, "-1.01"], ["-0.004", 2, "0.00"], ["12", 2, "12.00"],
    ["0.1", 3, "0.100"], ["99.5", 0, "100"], ["1.15", 1, "1.2"],
    // 1.005 is 1.00499999999999989... as a double: string arithmetic gets it right.
    ["1.005", 2, "1.01"],
  ];
  for (const [text, places, want] of cases) assert.equal(roundDecimal(text, places), want, `${text} to ${places}`);
  assert.equal(roundDecimal("abc", 2), null);
});

test("shortDecimal keeps two significant digits of a tiny value", () => {
  assert.equal(shortDecimal("0.402114"), "0.40");
  assert.equal(shortDecimal("2"), "2.00");
  assert.equal(shortDecimal("0.0042"), "0.0042");
  assert.equal(shortDecimal("0.00456"), "0.0046");
  assert.equal(shortDecimal("0"), "0.00");
  assert.equal(shortDecimal("0.352114", 3), "0.352");
});

test("decimalsOf", () => {
  assert.equal(decimalsOf("85205.70"), 2);
  assert.equal(decimalsOf("12"), 0);
  assert.equal(decimalsOf("0.00000001"), 8);
});
