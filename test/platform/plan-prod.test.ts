// What `render` writes for the prod stack is what the components declare for it, container by container.
import { testPlanDeclared } from "../support/plan-declared";

testPlanDeclared("prod");
