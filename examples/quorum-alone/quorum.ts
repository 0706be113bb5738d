// The master quorum alone (ZooKeeper and Consul servers) on this project's own three hosts; on a
// development machine every host is a name on its one Docker Engine (`environment: "local"`).
import { MasterQuorum } from "lhcb-platform";

export const hosts = [
  { id: "coord-1", address: "coord-1" },
  { id: "coord-2", address: "coord-2" },
  { id: "coord-3", address: "coord-3" },
];

/** The quorum of `stack`; bad arguments stop here, naming MasterQuorumArgs and the path. */
export function coordination(stack: string): MasterQuorum {
  return new MasterQuorum("coordination", {
    stack,
    environment: "local",
    hosts,
    images: { zookeeper: "lhcb-platform/zookeeper:3.8.4", consul: "lhcb-platform/consul:1.16.6" },
  });
}
