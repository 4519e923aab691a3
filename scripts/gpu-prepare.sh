#!/usr/bin/env bash
# Prepares gpu-carry/ here (a machine with a JDK 17; Maven comes through ./mvnw) for scripts/gpu-check.sh on a
# GPU machine that has no JDK and no network (docs/gpu.md):
#   gpu-carry/jre/                a jlink'ed Java runtime (the modules teraio needs)
#   gpu-carry/teraio.jar          the teraio command with the GDS bridge, JCuda and its natives
#   gpu-carry/test-classes/       core's, the GDS bridge's and the custom trainer's compiled tests
#   gpu-carry/junit-console.jar   the JUnit console launcher that runs them there
# gpu-carry/ is ignored by git; name it in the device tool's carry list.
set -euo pipefail
cd "$(dirname "$0")/.."
carry=gpu-carry
offline=${TERAIO_MAVEN_OFFLINE:--o}

# The modules teraio loads: the engine's JFR events need jdk.jfr, HostDeviceMemory's physical
# memory size jdk.management, the agent java.instrument, O_DIRECT jdk.unsupported, the JUnit
# launcher's scan of jars jdk.zipfs.
modules=java.base,java.logging,java.management,jdk.management,jdk.unsupported,java.instrument,jdk.jfr,jdk.zipfs

./mvnw -B -q $offline -pl teraio-cli -am package -DskipTests
rm -rf "$carry"
mkdir -p "$carry/test-classes"
jlink --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=2 --output "$carry/jre"
cp teraio-cli/target/teraio.jar "$carry/teraio.jar"
cp -r teraio-core/target/test-classes "$carry/test-classes/core"
cp -r teraio-gds-native/target/test-classes "$carry/test-classes/gds"
cp -r examples/custom-trainer/target/test-classes "$carry/test-classes/custom"
# the console launcher of the JUnit platform of junit.version (from JUnit 6 on, the platform has the same version)
junit=$(sed -n 's:.*<junit.version>\([0-9.]*\)</junit.version>.*:\1:p' pom.xml)
./mvnw -B -q $offline dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:$junit" \
  -DoutputDirectory="$carry"
mv "$carry/junit-platform-console-standalone-$junit.jar" "$carry/junit-console.jar"
du -sh "$carry"/* | sed 's/^/gpu-prepare: /'
du -sh "$carry" | sed 's/^/gpu-prepare: in all /'
echo "gpu-prepare: done; on the GPU machine run scripts/gpu-check.sh from the repository root (docs/gpu.md)"
