import assert from "node:assert/strict";
import { test } from "node:test";
import { scallopOptions } from "../../scripts/upstream/scallop-options";
import { variablesRead } from "../../scripts/upstream/extract";

test("options, toggles and their defaults, names on the next line, parentheses in strings and defaults", () => {
  const source = `trait Conf extends ScallopConf {
  lazy val a = opt[String]("alpha", descr = "a (b) c", default = Some("x,y"), required = true)
  lazy val b = opt[Int](
    "beta",
    descr = "an int",
    default = Some(60 * (24 + 1)),
    noshort = true)
  lazy val c = toggle("gamma", default = Some(true), prefix = "no_")
  lazy val d = opt[Boolean]("delta", descr = "a flag")
  lazy val e = opt[Set[String]](
    name = "epsilon",
    default = Some(Set.empty),
    noshort = true
  )
  def notAnOption = opt[String](someName)
}`;
  assert.deepEqual(scallopOptions(source), [
    { name: "alpha", type: "String", required: true, default: 'Some("x,y")' },
    { name: "beta", type: "Int", required: false, default: "Some(60 * (24 + 1))" },
    { name: "gamma", type: "toggle", required: false, default: "Some(true)", prefix: "no_" },
    { name: "delta", type: "Boolean", required: false },
    { name: "epsilon", type: "Set[String]", required: false, default: "Some(Set.empty)" },
  ]);
});

test("the variables a start script reads", () => {
  assert.deepEqual(
    variablesRead('export A="${PORT1}"\nexec java $JVM_OPTS -jar x.jar $@ --p $PORT0\n'),
    ["JVM_OPTS", "PORT0", "PORT1"],
  );
});
