// What the component package hosts: the schema is read from these components' TypeScript.
export { MasterQuorum, Platform } from "../components/provider";
