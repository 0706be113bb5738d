// Plugin entry point for the docker provider: the same as the provider's own
// cmd/pulumi-resource-docker, but embedding the committed schema.json (the
// generated schema-embed.json is not part of the module zip).
package main

import (
	_ "embed"

	provider "github.com/pulumi/pulumi-docker/provider/v5"
	"github.com/pulumi/pulumi-docker/provider/v5/pkg/version"
)

//go:embed schema.json
var pulumiSchema []byte

func main() {
	provider.Serve("docker", version.Version, pulumiSchema)
}
