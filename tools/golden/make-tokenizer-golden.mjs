// Writes the golden token ids that the SparseCircuits tokenizer tests compare against, using JavaScript
// implementations that share no code with the C# ones:
//   - gpt-3-encoder 1.1.4 (OpenAI's GPT-2 encoder ported to JS) for GPT-2,
//   - @huggingface/tokenizers (tokenizers.js, the tokenizer of transformers.js) for tokenizer.json files,
//   - the JavaScript engine's String.prototype.normalize (ICU) for Unicode normalization.
// Run once from this folder: `npm ci && node make-tokenizer-golden.mjs`. It reads ../../../shared/data and the
// WordLevel tokenizer.json the C# writer made (TestData/tokenizers/wordlevel/tokenizer.json), and writes JSON files
// into tests/SparseCircuits.Tests/TestData/tokenizers/.

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Tokenizer } from "@huggingface/tokenizers";

const require = createRequire(import.meta.url);
const gpt3Encoder = require("gpt-3-encoder");

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "..", "..");
const shared = path.resolve(repoRoot, "..", "shared", "data");
const outDir = path.join(repoRoot, "tests", "SparseCircuits.Tests", "TestData", "tokenizers");

// Varied texts: unicode (accents, CJK, Cyrillic, emoji with modifiers, astral letters), whitespace runs (tabs,
// newlines, CRLF, trailing and leading spaces, non-breaking and em spaces), numbers, contractions, punctuation, code.
const texts = [
  "The keys to the cabinet are on the table.",
  "Hello world! I'm here, don't worry: they'll say it's fine. We've done what we'd do, you're sure?",
  "I'M LOUD, DON'T SHOUT. They'Re 'quoted' ''double'' o'clock rock'n'roll",
  "Café naïve résumé façade jalapeño Ångström Straße",
  "東京は日本の首都です。北京欢迎你！ 서울 Привет, мир! Γειά σου κόσμε",
  "Emoji: 😀👍🏽 🤖🎉 👨‍👩‍👧 ❤️ ©®™ ½ ∑∫√ → ←",
  "Astral letters 𝐀𝐁𝐂 𝒳 and ideographs 𠀀𠀁 with digits 𝟙𝟚",
  "  leading spaces\tand\ttabs\n\nnewlines\r\n  and trailing spaces   ",
  "a                              b\n \n\t \t  x  \n\n\n   ",
  "Numbers: 12345 3.14 -0.5 1,000,000 2024-01-01 v1.2.3 0x1F 1e-9 007 ١٢٣ ½",
  "Wait... what?! (yes) [no] {maybe} <tag> @user #hash $100 50% a&b *bold* _under_ `code` ~tilde^ | \\ / \"quoted\"",
  "def f(x):\n    return x ** 2  # square\n\n\n\tif x:\n\t\tpass\n",
  "supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
  "non\u00a0breaking\u00a0space and\u2003em\u2003space and\u3000ideographic space",
  "Decomposed e\u0301 and A\u030a and \u212b and o\u0308\u0304 and \u1100\u1161\u11a8 and \u0958",
  "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.",
  "",
  " ",
  "x",
];

// Texts with special tokens, only for tokenizers that declare them as added tokens.
const specialTexts = [
  "Hello<|endoftext|>World <|endoftext|> end",
  "<|endoftext|>The story begins.<|endoftext|>",
  "two <|padding|><|padding|> pads and my assistant RWKV <|im_start|>user hi<|im_end|>",
];

// Random texts made of pieces that stress the word split (whitespace runs before words, apostrophes, digits,
// marks, astral characters), from a fixed-seed generator so that the file is reproducible.
function fuzzTexts(count, seed) {
  const pieces = [" ", " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n", "'", "'s", "'t", "'ll", "'RE", "'ve", "a", "Z", "hello",
    "World", "don", "0", "12", "3.5", "2024", ",", ".", "!?", "-", "...", "(", "é", "e\u0301", "ß", "東京", "한국어", "😀",
    "👍🏽", "\u00a0", "\u3000", "\u2003", "𝐀", "١٢", "_", "$", "\\", "\u200b"];
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [];
  for (let i = 0; i < count; i++) {
    const n = Math.floor(next() * 16);
    let text = "";
    for (let k = 0; k < n; k++) text += pieces[Math.floor(next() * pieces.length)];
    out.push(text);
  }
  return out;
}
const fuzz = fuzzTexts(200, 20240917);

function readJson(p) {
  return JSON.parse(fs.readFileSync(p, "utf8"));
}

function writeJson(name, value) {
  fs.mkdirSync(path.dirname(path.join(outDir, name)), { recursive: true });
  fs.writeFileSync(path.join(outDir, name), JSON.stringify(value, null, 1) + "\n");
  console.log("wrote", name);
}

function sameIds(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// ---- GPT-2: gpt-3-encoder, cross-checked with tokenizers.js given the same files as an HF-style tokenizer.json ----
function gpt2() {
  const dir = path.join(shared, "tokenizers", "gpt2");
  const encoder = readJson(path.join(dir, "encoder.json"));
  const mergeLines = fs.readFileSync(path.join(dir, "vocab.bpe"), "utf8").split("\n");
  const merges = mergeLines.filter((l) => l.length > 0 && !l.startsWith("#version"));
  const asTokenizerJson = {
    version: "1.0",
    added_tokens: [{ id: 50256, content: "<|endoftext|>", special: true, normalized: false, lstrip: false, rstrip: false, single_word: false }],
    normalizer: null,
    pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: { type: "BPE", vocab: encoder, merges },
  };
  const hf = new Tokenizer(asTokenizerJson, {});
  const cases = [];
  for (const text of texts) {
    const ids = gpt3Encoder.encode(text);
    const hfIds = hf.encode(text, { add_special_tokens: false }).ids;
    if (!sameIds(ids, hfIds)) throw new Error(`gpt2: gpt-3-encoder and tokenizers.js disagree on ${JSON.stringify(text)}`);
    cases.push({ text, ids });
  }
  for (const text of specialTexts) {
    cases.push({ text, ids: hf.encode(text, { add_special_tokens: false }).ids, special: true });
  }
  const fuzzCases = fuzz.map((text) => {
    const ids = gpt3Encoder.encode(text);
    if (!sameIds(ids, hf.encode(text, { add_special_tokens: false }).ids)) throw new Error(`gpt2: implementations disagree on ${JSON.stringify(text)}`);
    return { text, ids };
  });
  writeJson("gpt2.golden.json", {
    source: "gpt-3-encoder 1.1.4 encode(); cases marked special: @huggingface/tokenizers 0.2.0 with <|endoftext|> as an added token (the two agree on all other cases)",
    tokenizer: "../shared/data/tokenizers/gpt2 (encoder.json + vocab.bpe)",
    cases,
    fuzz: fuzzCases,
  });
}

// ---- GPT-NeoX-20B tokenizer.json via tokenizers.js ----
function neox() {
  const json = readJson(path.join(shared, "tokenizers", "gpt-neox-20b", "tokenizer.json"));
  const tok = new Tokenizer(json, {});
  const cases = [...texts, ...specialTexts].map((text) => ({ text, ids: tok.encode(text, { add_special_tokens: false }).ids }));
  // The same file with <|endoftext|> taking the whitespace around it (lstrip, rstrip).
  const stripping = JSON.parse(JSON.stringify(json));
  Object.assign(stripping.added_tokens.find((t) => t.content === "<|endoftext|>"), { lstrip: true, rstrip: true });
  const strip = new Tokenizer(stripping, {});
  const stripTexts = ["Hello  <|endoftext|>  world", "a\n<|endoftext|>\n\nb", "<|endoftext|> x <|endoftext|>", " \t<|endoftext|>"];
  writeJson("gpt-neox-20b-strip.golden.json", {
    source: "@huggingface/tokenizers 0.2.0, as gpt-neox-20b.golden.json",
    tokenizer: "../shared/data/tokenizers/gpt-neox-20b/tokenizer.json with lstrip and rstrip set on <|endoftext|>",
    cases: stripTexts.map((text) => ({ text, ids: strip.encode(text, { add_special_tokens: false }).ids })),
  });
  writeJson("gpt-neox-20b.golden.json", {
    source: "@huggingface/tokenizers 0.2.0 Tokenizer(tokenizer.json).encode(text, {add_special_tokens: false})",
    tokenizer: "../shared/data/tokenizers/gpt-neox-20b/tokenizer.json",
    cases,
    fuzz: fuzz.map((text) => ({ text, ids: tok.encode(text, { add_special_tokens: false }).ids })),
  });
}

// ---- WordLevel tokenizer.json written by the C# WordLevelTokenizerWriter ----
function wordLevel() {
  const file = path.join(outDir, "wordlevel", "tokenizer.json");
  if (!fs.existsSync(file)) {
    console.log("skipped wordlevel: write", file, "with the C# writer first");
    return;
  }
  const json = readJson(file);
  const unk = json.model.unk_token;
  const tok = new Tokenizer(json, { unk_token: unk });
  // ASCII only: tokenizers.js's Whitespace pre-tokenizer uses JavaScript's ASCII \w, the Rust one Unicode \w.
  const wordTexts = [
    "The keys to the cabinet are on the table.",
    "the key to the cabinets is near the boy, the girls are happy!",
    "  unknown   words\tlike zebra and xylophone are <unk> here...  ",
    "The <eos> token <pad> appears",
    "Hello?! 123 the...is",
    "",
  ];
  const cases = wordTexts.map((text) => {
    const ids = tok.encode(text, { add_special_tokens: false }).ids;
    return { text, ids, decoded: ids.length ? tok.decode(ids, { clean_up_tokenization_spaces: false }) : "" };
  });
  writeJson("wordlevel.golden.json", {
    source: "@huggingface/tokenizers 0.2.0 Tokenizer(wordlevel/tokenizer.json, {unk_token}).encode / decode(clean_up_tokenization_spaces: false)",
    tokenizer: "TestData/tokenizers/wordlevel/tokenizer.json (written by WordLevelTokenizerWriter)",
    cases,
  });
}

// ---- Unicode normalization (NFC / NFD) by the JavaScript engine (ICU) ----
// Only code points assigned in the Unicode version of the C# tables are listed, read from that version's
// DerivedAge.txt when it is installed (Debian package unicode-data); newer characters would differ by design.
function assignedBy(version) {
  const file = "/usr/share/unicode/DerivedAge.txt";
  if (!fs.existsSync(file)) return () => true;
  const [maj, min] = version.split(".").map(Number);
  const ranges = [];
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    const m = /^([0-9A-F]+)(?:\.\.([0-9A-F]+))?\s*;\s*(\d+)\.(\d+)/.exec(line);
    if (!m) continue;
    const [a, b] = [parseInt(m[1], 16), parseInt(m[2] ?? m[1], 16)];
    const [ma, mi] = [Number(m[3]), Number(m[4])];
    if (ma < maj || (ma === maj && mi <= min)) ranges.push([a, b]);
  }
  return (cp) => ranges.some(([a, b]) => cp >= a && cp <= b);
}

function normalization() {
  const assigned = assignedBy("15.0");
  const changed = [];
  for (let cp = 0; cp < 0x110000; cp++) {
    if (cp >= 0xd800 && cp < 0xe000) continue;
    if (cp >= 0xac00 && cp <= 0xd7a3 && (cp - 0xac00) % 97 !== 0) continue; // sample the 11172 Hangul syllables
    const s = String.fromCodePoint(cp);
    if ((s.normalize("NFD") !== s || s.normalize("NFC") !== s) && assigned(cp)) changed.push(cp);
  }
  // Every such character after a base letter and before marks of several combining classes, so that decomposition,
  // reordering, blocking and composition are all exercised.
  const singles = changed.map((cp) => String.fromCodePoint(cp));
  const sequences = [
    ...texts,
    "a\u0323\u0302 a\u0302\u0323 e\u0304\u0301 e\u0301\u0304 o\u031b\u0303\u0323",
    "\u1100\u1161 \u1100\u1161\u11a8 \uac00\u11a8 \u1100\u0300\u1161 \u11a8\u1100",
    "\u0344 \u0f73 \u0f75 \u0f81 \u2126 \u212a \u0958 \ufb1d \u2adc",
    "A\u0301\u0301 A\u0328\u0301 \u00c5\u0301 \u0041\u030a\u0323 q\u0307\u0323",
    "\u0301 starts with a mark \u0345\u0301\u0300",
    ...singles.map((s) => "A" + s + "\u0328\u0301\u0323"),
  ];
  const cases = sequences.map((text) => ({ text, nfc: text.normalize("NFC"), nfd: text.normalize("NFD") }));
  writeJson("normalization.golden.json", {
    source: `String.prototype.normalize of node ${process.versions.node} (ICU ${process.versions.icu}, Unicode ${process.versions.unicode}); characters assigned by Unicode 15.0`,
    cases,
  });
}

gpt2();
neox();
wordLevel();
normalization();
