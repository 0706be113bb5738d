/**
 * Physical names. The stack name is part of every physical name (containers, networks, volumes),
 * so two environments can share one Docker host without colliding.
 */

/** The longest name a container may have: it is also its hostname, a DNS label. */
export const MAX_CONTAINER_NAME = 63;

/** Lower-case, dash-separated form of a catalog name: `DataManagement/FileCatalog` → `datamanagement-filecatalog`. */
export function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** The physical name of something that belongs to a stack: `prod-zookeeper-master-1`. */
export function physicalName(stack: string, ...parts: string[]): string {
  return [stack, ...parts]
    .map(slug)
    .filter((p) => p !== "")
    .join("-");
}

/** The Consul service name of a catalog entry. */
export function consulServiceName(catalogName: string): string {
  return slug(catalogName);
}
