#!/usr/bin/env bash
# Rebuilds the bundled agreement model and its SAEs from scratch, seeded, with the sfc commands only:
#   models/agreement-gpt2/   a 2-layer GPT-2 (d_model 128) trained on the agreement corpus generator's text
#   models/agreement-saes/   TopK SAEs (1024 features, k = 16) at embed, attn_L, mlp_L, resid_L for every layer
# then prints (and writes beside them as JSON) the agreement accuracy per test set and the SAE quality per site.
# A rerun reproduces the accuracy and SAE quality; the weights need not be bit-identical across machines.
#
#   scripts/rebuild-models.sh [WORK_DIR]     (default /tmp/sfc-agreement-rebuild: the generated corpora, not committed)
#   SEED=1 (default) seeds the model and the SAEs (site i gets SEED*100 + i); the corpus seeds are fixed (1 for training, 2 for evaluation).
# About 15-25 minutes on 2 shared cores (training the model ~5-7, each SAE ~1-2).
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-/tmp/sfc-agreement-rebuild}
SEED=${SEED:-1}
MODEL=models/agreement-gpt2
SAES=models/agreement-saes
SITES=(embed attn_0 mlp_0 resid_0 attn_1 mlp_1 resid_1)

dotnet build src/Sfc -c Release -v quiet
SFC=(nice dotnet src/Sfc/bin/Release/net10.0/sfc.dll)
TEST_SETS=(data/agreement/simple_test.jsonl data/agreement/nounpp_test.jsonl data/agreement/rc_test.jsonl data/agreement/within_rc_test.jsonl)
for task in simple nounpp within_rc; do   # the paper's own test sets, when ../shared is beside the repository
  if [[ -f ../shared/data/sva/${task}_test.json ]]; then TEST_SETS+=("../shared/data/sva/${task}_test.json"); fi
done

# 1. Text: 200k training sentences; 5k evaluation sentences from another seed.
"${SFC[@]}" gen-corpus --out "$WORK/train" --seed 1 --sentences 200000 --json >/dev/null
"${SFC[@]}" gen-corpus --out "$WORK/eval" --seed 2 --sentences 5000 --json >/dev/null

# 2. The model: 1500 steps of 32 rows x 32 tokens (1.5M tokens), AdamW 3e-3, 100 warm-up steps then cosine to 10%.
rm -rf "$MODEL" "$SAES"
"${SFC[@]}" train-lm --corpus "$WORK/train/corpus.txt" --out "$MODEL" --layers 2 --d-model 128 --heads 4 --context 32 \
  --steps 1500 --batch-size 32 --lr 3e-3 --warmup 100 --seed "$SEED" --eval "${TEST_SETS[@]}"

# 3. The SAEs, one per site, on the model's activations over the training text (500k tokens each). Each site gets its
#    own seed (SEED*100 + site index): with one seed for all, sites of equal width start from the same random
#    directions and data order, and similar sites came out with the same feature at the same index
#    (resid_0/109 and resid_1/109 were both the plural-subject feature).
for i in "${!SITES[@]}"; do
  site=${SITES[$i]}
  "${SFC[@]}" train-sae --model "$MODEL" --site "$site" --corpus "$WORK/train/corpus.txt" --context 32 \
    --arch topk --width 1024 --k 16 --tokens 500000 --seed "$((SEED * 100 + i))" --out "$SAES/$site" --json
done

# 4. Quality: agreement accuracy, and SAE quality on the held-out text.
"${SFC[@]}" agreement --model "$MODEL" --data "${TEST_SETS[@]}" --json > "$MODEL/accuracy.json"
"${SFC[@]}" agreement --model "$MODEL" --data "${TEST_SETS[@]}"
"${SFC[@]}" sae-eval --model "$MODEL" --dictionaries "$SAES" --corpus "$WORK/eval/corpus.txt" --context 32 --json > "$SAES/quality.json"
"${SFC[@]}" sae-eval --model "$MODEL" --dictionaries "$SAES" --corpus "$WORK/eval/corpus.txt" --context 32
du -sh "$MODEL" "$SAES"
