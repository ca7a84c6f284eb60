#!/usr/bin/env bash
# The real-model SAE experiment: TopK SAEs (1024 features, k = 32, i.e. L0 = 3.1 % of the width) on the residual
# stream after every block of stories260K, trained on the 100 TinyStories validation stories plus 512 sequences the
# model writes itself, then measured by sae-eval on the validation stories and on 64 sampled sequences held out from
# training. Every step is seeded, so a rerun gives the same dictionaries and tables. About 10 minutes on 2 cores.
#
#   tools/train_stories260k_saes.sh [OUT_DIR]        (default /tmp/stories260k-saes; needs ../shared beside the repo)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/stories260k-saes}
MODEL=../shared/data/models/stories260K/stories260K.bin
STORIES=../shared/data/corpora/tinystories_validation_100.txt

dotnet build src/Sfc -c Release -v quiet
SFC=(dotnet src/Sfc/bin/Release/net10.0/sfc.dll)
mkdir -p "$OUT"
"${SFC[@]}" sample --model "$MODEL" --sequences 512 --length 128 --seed 7 --out "$OUT/generated_train.jsonl"
"${SFC[@]}" sample --model "$MODEL" --sequences 64 --length 128 --seed 8 --out "$OUT/generated_eval.jsonl"
for layer in 0 1 2 3 4; do
  "${SFC[@]}" train-sae --model "$MODEL" --site "resid_$layer" --corpus "$STORIES" "$OUT/generated_train.jsonl" \
    --arch topk --width 1024 --k 32 --tokens 4000000 --out "$OUT/dictionaries/resid_$layer"
done
"${SFC[@]}" sae-eval --model "$MODEL" --dictionaries "$OUT/dictionaries" --corpus "$STORIES"
"${SFC[@]}" sae-eval --model "$MODEL" --dictionaries "$OUT/dictionaries" --corpus "$OUT/generated_eval.jsonl"
