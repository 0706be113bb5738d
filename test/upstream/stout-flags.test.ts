import assert from "node:assert/strict";
import { test } from "node:test";
import { stoutFlags } from "../../scripts/upstream/stout-flags";

test("flags, their types from the header, aliases, and which ones stout requires", () => {
  const header = `class Flags : public virtual logging::Flags
{
public:
  Flags();
  Option<Duration> wait; // how long
  std::string dir;  // TODO: an Option
  std::string place;
  bool quick;
  uint16_t port;
};`;
  const source = `Flags::Flags()
{
  add(&Flags::wait,
      "wait",
      flags::DeprecatedName("wait_time"),
      "How long to wait (example: \\"5secs\\", not 5)");

  add(&Flags::dir, // TODO: rename
      "dir",
      "Where, with a comma, inside.");

  add(&Flags::place,
      "place",
      "A default made where it stands.",
      []() -> string { return os::getcwd(); }());

  add(&Flags::quick, "quick", "Quick?", false);

  add(&Flags::port,
      "port",
      "A port, validated.",
      5051,
      [](const uint16_t& value) -> Option<Error> { return None(); });
}`;
  assert.deepEqual(stoutFlags(source, header), [
    { name: "wait", type: "Option<Duration>", aliases: ["wait_time"], required: false },
    { name: "dir", type: "std::string", required: true },
    { name: "place", type: "std::string", required: false },
    { name: "quick", type: "bool", required: false },
    { name: "port", type: "uint16_t", required: false },
  ]);
  assert.throws(
    () => stoutFlags('add(&Flags::gone, "gone", "x");', header),
    /Flags::gone: no declaration/,
  );
});
