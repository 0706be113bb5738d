// Exposes the upstream provider's internal constructor to the bridge; placed
// at <upstream>/shim/shim.go by build.sh.
package shim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

func NewProvider() *schema.Provider {
	return provider.New("dev")()
}
