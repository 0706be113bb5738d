# The platform's edits to the Terraform docker provider's source, made by build.sh before it
# builds the docker plugin (source, do not execute). Each takes the provider's source folder (the
# one holding internal/provider) and fails, naming the file, where the source no longer holds
# exactly what it edits, so that a newer provider is never built half-edited. Tested on the
# upstream archive by test/toolchain/docker-provider-edits.test.ts.
# shellcheck shell=bash

# What the provider logs of an object it has read (a container's, a volume's or a network's
# inspection), on one line, not one line per field of indented JSON. The bridge hands every line
# the provider logs to the engine as a gRPC call of its own (tfbridge's LogRedirector; debug level,
# which the CLI drops unless asked), and a container's read was about 250 of them: 10,600 calls in
# an `up` of the local stack, about 2.9 core-seconds of the CLI and the provider (docs/scale.md).
one_line_inspections() {
  local dir=$1/internal/provider f n
  local indented='json\.MarshalIndent(\(container\|volume\|retNetwork\), "", "\\t")'
  for f in resource_docker_container_funcs.go resource_docker_volume.go resource_docker_network_funcs.go; do
    n=$(grep -c "$indented" "$dir/$f") || true
    [ "$n" = 1 ] || { echo "one_line_inspections: $dir/$f has $n indented inspections, expected 1" >&2; return 1; }
    sed -i "s/$indented/json.Marshal(\1)/" "$dir/$f" || return 1
  done
}

# No fixed wait before the provider first looks at a network it created, or tries to
# remove a network or a volume. Each of those three waits (`retry.StateChangeConf`'s `Delay`) was
# 2 s of sleep, whatever Docker's answer: every container of an `up` from nothing waited 2 s for
# its network, and a `down` 2 s more for the volumes, then 2 s for the network. The look that
# follows already waits where Docker is not done (an overlay network's options not yet shown, a
# network with endpoints, a volume in use: polled every 5 s, as before).
no_first_waits() {
  local dir=$1/internal/provider f name n
  for f in resource_docker_network_funcs.go:networkReadRefreshDelay \
    resource_docker_network_funcs.go:networkRemoveRefreshDelay resource_docker_volume.go:volumeReadRefreshDelay; do
    name=${f#*:}; f=${f%%:*}
    n=$(grep -Ec "^\s*$name\s*= 2 \* time\.Second$" "$dir/$f") || true
    [ "$n" = 1 ] || { echo "no_first_waits: $dir/$f sets $name to 2 s $n times, expected 1" >&2; return 1; }
    sed -Ei "s/^(\s*$name\s*)= 2 \* time\.Second$/\1= 0/" "$dir/$f" || return 1
  done
}
