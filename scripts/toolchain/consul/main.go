// Plugin entry point for the consul provider, embedding the committed schema.json
// (the generated schema-embed.json is not part of the module zip).
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"

	consul "github.com/pulumi/pulumi-consul/provider/v3"
	"github.com/pulumi/pulumi-consul/provider/v3/pkg/version"
)

//go:embed schema.json
var pulumiSchema []byte

func main() {
	tfbridge.Main("consul", version.Version, consul.Provider(), pulumiSchema)
}
