#!/bin/sh
# Re-measures iptables and nftables modes at scale and redraws docs/performance.png from the figures.
# Root, on a quiet machine (nothing else running: every figure is wall-clock time). Takes 1–2 hours, most of it
# iptables-nft-restore of the one-COMMIT reference payloads, each stopped after LIMIT seconds.
#   bench/scale.sh                      # 1k, 10k, 30k services; both iptables backends; nftables at 1k and 10k
#   IPTABLES_SIZES=10000 LIMIT=600 bench/scale.sh
# Figures go to stdout and to bench/results/scale.tsv (one row per series, size and metric, with the load average);
# bench/results/ipvs-vm.tsv holds ipvs mode's, measured in the IPVS VM (bench/ipvs-vm.sh), which this does not run.
set -eu
cd "$(dirname "$0")/.."
dotnet build bench/Iptables -c Release -v q
dotnet build bench/Nftables -c Release -v q
dotnet build bench/Plot -c Release -v q
bench/Iptables/bin/Release/net10.0/Iptables "${IPTABLES_SIZES:-1000,10000,30000}" legacy,nft --limit "${LIMIT:-1800}"
bench/Nftables/bin/Release/net10.0/Nftables "${NFTABLES_SIZES:-1000,10000}"
bench/Plot/bin/Release/net10.0/Plot
