//go:build tools

package tools

import _ "github.com/pulumi/pulumi-command/provider/cmd/pulumi-resource-command"
