#!/bin/sh
# What the torch bridge compiles and links against, fetched once into a cache:
#   <cache>/libtorch-dev-<version>/include   libtorch's ATen and c10 headers, from Debian trixie's libtorch-dev <version>
#                                            (no libtorch 2.7.1 headers are published; the bridge's
#                                            load-time self-check catches a layout they get wrong)
#   <cache>/djl-pytorch-<pytorch>/           libc10.so and libtorch_cpu.so, taken from DJL's native jar
# Usage: libtorch-build-inputs.sh <cache dir> <libtorch-dev upstream version> <pytorch version> <DJL native jar> <jar tool>
# (trixie's current revision of that upstream version is taken: a Debian point release may rebuild it)
# Prints nothing when the cache is complete; a failure is one line saying what to do. Each part is
# made in a temporary folder beside it and moved into place whole, so builds running at once agree.
set -eu
cache=$1 dev_version=$2 pytorch=$3 native_jar=$4 jar_tool=$5
headers=$cache/libtorch-dev-$dev_version
libs=$cache/djl-pytorch-$pytorch

fail() {
    echo "teraio-torch-native: $*" >&2
    exit 1
}

# moves the finished folder $1 to $2 unless another build got there first
settle() {
    [ -f "$2/.complete" ] && return 0
    rm -rf "$2"
    mv "$1" "$2" 2>/dev/null || [ -f "$2/.complete" ] || fail "could not move $1 to $2"
}

mkdir -p "$cache" || fail "cannot create the build cache $cache; set -Dteraio.torch.buildCache to a writable folder"
work=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ ! -f "$headers/.complete" ]; then
    echo "teraio-torch-native: fetching Debian trixie's libtorch-dev $dev_version headers into $headers"
    command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 \
        || fail "apt-get and dpkg-deb are needed to fetch libtorch-dev $dev_version (a Debian machine); elsewhere put the include folder of its .deb in $headers/include and create $headers/.complete"
    mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/deb" "$work/headers"
    echo "deb http://deb.debian.org/debian trixie main" > "$work/sources.list"
    apt="-o Dir::Etc::sourcelist=$work/sources.list -o Dir::Etc::sourceparts=- -o Dir::State::Lists=$work/lists -o Dir::Cache=$work/cache -o Debug::NoLocking=1 -o APT::Sandbox::User=root"
    # shellcheck disable=SC2086
    apt-get -q $apt update >"$work/log" 2>&1 \
        || fail "apt-get update of Debian trixie (deb.debian.org) failed; check the network or proxy and rebuild ($(tail -n 1 "$work/log"))"
    # shellcheck disable=SC2086
    (cd "$work/deb" && apt-get -q $apt download libtorch-dev) >"$work/log" 2>&1 \
        || fail "apt-get download libtorch-dev from Debian trixie failed; check the network or proxy and rebuild ($(tail -n 1 "$work/log"))"
    deb=$(ls "$work"/deb/libtorch-dev_*.deb)
    got=$(dpkg-deb -f "$deb" Version)
    case $got in
        "$dev_version"|"$dev_version"[+-]*) ;;
        *) fail "Debian trixie's libtorch-dev is now $got, not $dev_version; set -Dlibtorch-dev.version=${got%%[+-]*} and check that the bridge's self-check still passes" ;;
    esac
    dpkg-deb -x "$deb" "$work/x" || fail "dpkg-deb -x of $deb failed"
    # only the headers the bridge includes (ATen, c10); the package's .so links point into
    # libtorch2.6, which the bridge does not use
    mkdir -p "$work/headers/include"
    mv "$work/x/usr/include/ATen" "$work/x/usr/include/c10" "$work/headers/include/" \
        || fail "$deb has no usr/include/ATen and usr/include/c10"
    echo "$got" > "$work/headers/.complete"
    settle "$work/headers" "$headers"
fi

if [ ! -f "$libs/.complete" ]; then
    [ -f "$native_jar" ] || fail "DJL's native jar $native_jar is missing; run the build online once so Maven downloads it"
    echo "teraio-torch-native: extracting libc10.so and libtorch_cpu.so from $native_jar into $libs"
    mkdir -p "$work/libs"
    (cd "$work/libs" && "$jar_tool" xf "$native_jar" pytorch/cpu/linux-x86_64/libc10.so \
        pytorch/cpu/linux-x86_64/libtorch_cpu.so pytorch/cpu/linux-x86_64/libgomp-98b21ff3.so.1) \
        || fail "extracting from $native_jar failed"
    [ -f "$work/libs/pytorch/cpu/linux-x86_64/libtorch_cpu.so" ] && [ -f "$work/libs/pytorch/cpu/linux-x86_64/libc10.so" ] \
        || fail "$native_jar has no pytorch/cpu/linux-x86_64/libtorch_cpu.so and libc10.so"
    mv "$work/libs/pytorch/cpu/linux-x86_64" "$work/linux-x86_64"
    touch "$work/linux-x86_64/.complete"
    settle "$work/linux-x86_64" "$libs"
fi
