import { platformProgram } from "./program";

// `pulumi up` runs this file from the project directory.
export = platformProgram(process.cwd());
