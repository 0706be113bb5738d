// What `render` writes for the cert stack is what the components declare for it, container by container.
import { testPlanDeclared } from "../support/plan-declared";

testPlanDeclared("cert");
