// The component package's components (provider/ hosts them for other Pulumi languages): the
// platform and the quorum with plain, serializable arguments and Outputs.
export * from "./platform-component";
export * from "./quorum-component";
