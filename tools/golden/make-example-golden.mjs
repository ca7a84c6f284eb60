// Writes the examples that ExampleLoader must keep from the SVA files of ../shared/data/sva and the hand-written
// files beside the output (crafted_*.jsonl), made independently of
// the C# code:
//   - the line order comes from CPython itself (/usr/bin/python3): the file's readlines() shuffled by
//     random.Random(12).shuffle, as the reference load_examples does;
//   - token ids come from @huggingface/tokenizers (tokenizers.js) with the GPT-NeoX-20B tokenizer.json (Pythia's);
//   - the filters are the documented ones (docs/algorithm.md §9), written out again below in the reference's order:
//     single-token answers (a leading BOS stripped), equal clean/patch prefix lengths, prefix + answer tokenizing
//     like the concatenated string (HEAD), then the length policy; the first `count` that pass are kept.
// Run from this folder: `npm ci && node make-example-golden.mjs`. Writes
// tests/SparseCircuits.Tests/TestData/data/sva_examples.golden.json.

import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Tokenizer } from "@huggingface/tokenizers";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "..", "..");
const shared = path.resolve(repoRoot, "..", "shared", "data");
const outFile = path.join(repoRoot, "tests", "SparseCircuits.Tests", "TestData", "data", "sva_examples.golden.json");

const tokenizerJson = JSON.parse(fs.readFileSync(path.join(shared, "tokenizers", "gpt-neox-20b", "tokenizer.json"), "utf8"));
const tokenizer = new Tokenizer(tokenizerJson, {});
const bosId = tokenizerJson.added_tokens.find((t) => t.content === "<|endoftext|>").id; // Pythia's bos_token
// The reference calls model.tokenizer(text) with its defaults; Pythia's post-processor adds no special tokens.
const encodeText = (text) => tokenizer.encode(text).ids;

// Indices of the file's lines in the order random.Random(seed).shuffle(f.readlines()) leaves them.
function pythonShuffledOrder(file, seed) {
  const script = [
    "import json, random, sys",
    "with open(sys.argv[1]) as f: lines = f.readlines()",
    "items = list(enumerate(lines))",
    "random.Random(int(sys.argv[2])).shuffle(items)",
    "print(json.dumps([i for i, _ in items]))",
  ].join("\n");
  return JSON.parse(execFileSync("/usr/bin/python3", ["-c", script, file, String(seed)], { encoding: "utf8" }));
}

const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

// policy: { kind: "minimum" } | { kind: "exact", length } | { kind: "any" }
// Unpaired lines (no patch_prefix) only have the clean checks.
// addBos: prompts start with the BOS token, as a tokenizer that adds one (Gemma's) makes them; answers are
// tokenized the same way and their leading BOS stripped.
function load(label, file, { count, seed = 12, policy, checkTokenization, addBos = false }) {
  const encode = addBos ? (text) => [bosId, ...encodeText(text)] : encodeText;
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const order = pythonShuffledOrder(file, seed);
  const report = { lines: order.length, examined: 0, multi_token_answer: 0, prefix_length_mismatch: 0,
    inconsistent_tokenization: 0, wrong_length: 0, discarded_by_restart: 0 };
  let kept = [];
  let minLength = Infinity;
  for (const index of order) {
    if (count !== null && kept.length >= count) break;
    report.examined++;
    const data = JSON.parse(lines[index]);
    const cleanPrefix = encode(data.clean_prefix);
    const paired = data.patch_prefix !== undefined;
    const patchPrefix = paired ? encode(data.patch_prefix) : null;
    let cleanAnswer = encode(data.clean_answer);
    let patchAnswer = paired ? encode(data.patch_answer) : null;
    if (cleanAnswer[0] === bosId) cleanAnswer = cleanAnswer.slice(1);
    if (paired && patchAnswer[0] === bosId) patchAnswer = patchAnswer.slice(1);
    if (cleanAnswer.length !== 1 || (paired && patchAnswer.length !== 1)) { report.multi_token_answer++; continue; }
    if (paired && cleanPrefix.length !== patchPrefix.length) { report.prefix_length_mismatch++; continue; }
    if (checkTokenization &&
        (!same([...cleanPrefix, ...cleanAnswer], encode(data.clean_prefix + data.clean_answer)) ||
         (paired && !same([...patchPrefix, ...patchAnswer], encode(data.patch_prefix + data.patch_answer))))) {
      report.inconsistent_tokenization++;
      continue;
    }
    const length = cleanPrefix.length;
    if (policy.kind === "exact" && length !== policy.length) { report.wrong_length++; continue; }
    if (policy.kind === "minimum") {
      if (length < minLength) {
        report.discarded_by_restart += kept.length;
        kept = [];
        minLength = length;
      } else if (length > minLength) {
        report.wrong_length++;
        continue;
      }
    }
    kept.push({
      line: index + 1,
      clean_ids: cleanPrefix,
      patch_ids: patchPrefix,
      clean_answer_id: cleanAnswer.at(-1),
      patch_answer_id: paired ? patchAnswer.at(-1) : null,
      case: data.case ?? null,
    });
  }
  report.kept = kept.length;
  return { file: label, count, seed, policy, check_tokenization: checkTokenization, add_bos: addBos, report, examples: kept };
}

const head = { policy: { kind: "minimum" }, checkTokenization: true };
const paper = (length) => ({ policy: { kind: "exact", length }, checkTokenization: false });
const sva = (name, opts) => load(`sva/${name}`, path.join(shared, "sva", name), opts);
const crafted = (name, opts) => load(name, path.join(path.dirname(outFile), name), opts);
const cases = [
  sva("simple_train.json", { count: 100, ...head }),
  sva("nounpp_train.json", { count: 100, ...head }),
  sva("within_rc_test.json", { count: 100, ...head }),
  sva("simple_test.json", { count: null, ...head }),
  sva("simple_train.json", { count: 100, ...paper(2) }),
  sva("nounpp_train.json", { count: 100, ...paper(5) }),
  sva("within_rc_test.json", { count: 40, ...paper(5) }),
  sva("nounpp_test.json", { count: 100, seed: 0, policy: { kind: "any" }, checkTokenization: true }),
  sva("within_rc_test.json", { count: 20, ...head, addBos: true }),
  // Hand-written lines that trip every filter (TestData/data/*.jsonl).
  crafted("crafted_paired.jsonl", { count: null, ...head }),
  crafted("crafted_paired.jsonl", { count: 3, ...head }),
  ...[42, 1, 2, 3, 5].map((seed) => crafted("crafted_paired.jsonl", { count: null, seed, ...head })),
  crafted("crafted_paired.jsonl", { count: null, ...paper(5) }),
  crafted("crafted_paired.jsonl", { count: null, seed: 0, policy: { kind: "any" }, checkTokenization: true }),
  crafted("crafted_unpaired.jsonl", { count: null, seed: 12, policy: { kind: "any" }, checkTokenization: true }),
  crafted("crafted_unpaired.jsonl", { count: null, ...head }),
  crafted("crafted_paired.jsonl", { count: null, ...head, addBos: true }),
];
for (const c of cases) console.log(c.file, JSON.stringify(c.policy), c.count, JSON.stringify(c.report));

fs.mkdirSync(path.dirname(outFile), { recursive: true });
fs.writeFileSync(outFile, JSON.stringify({
  source: "line order: CPython random.Random(seed).shuffle(readlines()); ids: @huggingface/tokenizers 0.2.0 " +
    "Tokenizer(tokenizer.json).encode(text); filters: docs/algorithm.md §9 in the order of the reference load_examples",
  tokenizer: "../shared/data/tokenizers/gpt-neox-20b/tokenizer.json",
  cases,
}) + "\n");
console.log("wrote", path.relative(repoRoot, outFile));
