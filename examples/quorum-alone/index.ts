import * as pulumi from "@pulumi/pulumi";
import { coordination } from "./quorum";

const quorum = coordination(pulumi.getStack());

/** Where this project's own services find the quorum. */
export const zookeeper = quorum.zookeeperConnect;
export const consulApi = quorum.consulApi;
