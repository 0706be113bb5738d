//go:build tools

// Keeps the CLI's main package in the wrapper's module graph for `go mod tidy`.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
