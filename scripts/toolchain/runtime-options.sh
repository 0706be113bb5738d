# runtime_option NAME FILE: the value of `NAME:` under a Pulumi.yaml's runtime options, as the
# project writes it (a quoted string, or true/false); empty when the file has none. Source this
# file; scripts/program-node.sh and bin/pulumi-language-nodejs read the options through it.
# shellcheck shell=bash
runtime_option() {
  sed -n "s/^[[:space:]]*$1:[[:space:]]*\"\{0,1\}\([^\"]*\)\"\{0,1\}[[:space:]]*\$/\1/p" "$2"
}
