// What names the port guard where it runs, for the plan and for the scripts that find a guard on
// an engine (scripts/engine-orphans.ts) without loading the plan. Pure, no imports.

/** The guard's program in its image (images/port-guard/platform-port-guard). */
export const PORT_GUARD_COMMAND = "platform-port-guard";

/** The guard container's `platform.component` label, and its part of the container's name. */
export const PORT_GUARD_COMPONENT = "port-guard";
