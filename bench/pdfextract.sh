#!/usr/bin/env bash
# Reruns the PDF extractor comparison (BENCHMARKS.md, "Document formats").
#
#   bash bench/pdfextract.sh
#
# Fetches the Debian R and gnuplot manuals (r-doc-pdf, gnuplot-doc) with
# apt-get download + dpkg-deb -x (nothing is installed), installs
# poppler-utils for pdftotext (the reference) when missing, then:
#  1. runs bench/pdfextract: word recall per page against pdftotext, pages/s
#     and peak RSS of each extractor, each run in a process of its own;
#  2. builds bench/pdfextract/size/* stripped with CGO off and prints the
#     binary size each library adds;
#  3. indexes the manuals with the real binary (MB/s, pages/s, peak RSS),
#     then the largest manual alone.
# Results: bench/results/formats.md (the tables) and bench/results/tmp/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=bench/results/tmp/pdfs
mkdir -p "$work"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
if ! command -v pdftotext >/dev/null; then
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq poppler-utils
fi
if [ ! -d "$work/x" ]; then
  (cd "$work" && apt-get download r-doc-pdf gnuplot-doc && for d in *.deb; do dpkg-deb -x "$d" x; done)
fi
m="$work/x/usr/share/R/doc/manual"
files=("$m/R-FAQ.pdf" "$m/R-admin.pdf" "$m/R-data.pdf" "$m/R-exts.pdf" "$m/R-intro.pdf" "$m/R-ints.pdf"
  "$m/R-lang.pdf" "$work/x/usr/share/doc/gnuplot/gnuplot.pdf" "$m/refman.pdf")
bin=bench/results/tmp/bin
mkdir -p "$bin"
export CGO_ENABLED=0
(cd bench/pdfextract && go build -o "$root/$bin/pdfextract" .)
out=bench/results/formats.md
{
  echo "# Document formats: measurements"
  echo
  echo "Taken $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "## PDF extractors against pdftotext"
  echo
} > "$out"
"$bin/pdfextract" -out "$bin/extract.md" "${files[@]}"
cat "$bin/extract.md" >> "$out"

echo >> "$out"
echo "## Binary size added (stripped, CGO off)" >> "$out"
echo >> "$out"
echo "| program | bytes | added to base |" >> "$out"
echo "|---|---:|---:|" >> "$out"
(cd bench/pdfextract && for d in base ledongthuc pdfium excelize ingest; do
  go build -trimpath -ldflags='-s -w' -o "$root/$bin/size-$d" ./size/$d
done)
base=$(stat -c %s "$bin/size-base")
for d in base ledongthuc pdfium excelize ingest; do
  s=$(stat -c %s "$bin/size-$d")
  echo "| $d | $s | $((s - base)) |" >> "$out"
done

echo >> "$out"
echo "## Indexing the manuals with knowledge-mcp" >> "$out"
echo >> "$out"
go build -trimpath -ldflags='-s -w' -o "$bin/knowledge-mcp" ./cmd/knowledge-mcp
corpus=bench/results/tmp/manuals
rm -rf "$corpus" "$bin/data" && mkdir -p "$corpus"
cp "${files[@]}" "$corpus/"
pages=0
for f in "${files[@]}"; do pages=$((pages + $(pdfinfo "$f" | awk '/^Pages:/ {print $2}'))); done
index() { # folder name
  /usr/bin/time -f '%e s, peak RSS %M KB' "$bin/knowledge-mcp" index "$1" --kb "$2" --data-dir "$bin/data" --max-file-bytes 100000000 2>&1 | grep -v '^indexed [0-9]*/'
}
echo '```' >> "$out"
echo "all $((${#files[@]})) manuals, $pages pages:" >> "$out"
index "$corpus" manuals >> "$out"
big=bench/results/tmp/largest
rm -rf "$big" && mkdir -p "$big" && cp "$m/refman.pdf" "$big/"
echo >> "$out"
echo "the largest alone, refman.pdf, $(pdfinfo "$m/refman.pdf" | awk '/^Pages:/ {print $2}') pages:" >> "$out"
index "$big" largest >> "$out"
echo '```' >> "$out"
cat "$out"
