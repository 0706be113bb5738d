import assert from "node:assert/strict";
import { test } from "node:test";
import { renderCfg } from "../../components/dirac/cfg-text";
import { diracCfg, masterCfg } from "../../components/dirac/dirac-cfg";

test("renderCfg writes sections between braces, options as Name = value, lists comma-separated", () => {
  assert.equal(
    renderCfg({ A: { B: "1", C: ["x", "y"], D: {} }, E: "z" }),
    "A\n{\n  B = 1\n  C = x, y\n  D\n  {\n  }\n}\nE = z\n",
  );
});

test("renderCfg refuses what DIRAC would read otherwise, naming where", () => {
  assert.throws(
    () => renderCfg({ A: { "B C": "1" } }),
    /^Error: DIRAC configuration \/A\/B C: expected a name of letters, digits, '_', '-', '\.'$/,
  );
  assert.throws(() => renderCfg({ A: { B: "x}" } }), /DIRAC configuration \/A\/B: "x}" cannot/);
  assert.throws(() => renderCfg({ A: { B: ["x,y"] } }), /DIRAC configuration \/A\/B: "x,y" cannot/);
  assert.throws(() => renderCfg({ A: "x\ny" }), /DIRAC configuration \/A: "x\\ny" cannot/);
});

test("diracCfg: the installation's Configuration Server, no host certificate, each service on dip with its URL", () => {
  const installation = {
    name: "local",
    configurationServers: [
      "dip://lb-1:9135/Configuration/Server",
      "dip://lb-2:9135/Configuration/Server",
    ],
    services: [
      { name: "Configuration/Server", port: 9135, urls: ["dip://lb:9135/Configuration/Server"] },
      {
        name: "Framework/Notification",
        port: 9154,
        urls: ["dip://lb:9154/Framework/Notification"],
      },
      {
        name: "Framework/BundleDelivery",
        port: 9158,
        urls: ["dip://lb:9158/Framework/BundleDelivery"],
        options: { DirsToBundle: "CAs" },
      },
    ],
  };
  assert.equal(
    diracCfg(installation, { advertisedHost: "lb" }),
    [
      "DIRAC",
      "{",
      "  Hostname = lb",
      "  Security",
      "  {",
      "    UseServerCertificate = no",
      "  }",
      "  Configuration",
      "  {",
      "    Name = local",
      "    Master = yes",
      "    Servers = dip://lb-1:9135/Configuration/Server, dip://lb-2:9135/Configuration/Server",
      "  }",
      "}",
      "Systems",
      "{",
      "  Configuration",
      "  {",
      "    Services",
      "    {",
      "      Server",
      "      {",
      "        HandlerPath = DIRAC/ConfigurationSystem/Service/ConfigurationHandler.py",
      "        Port = 9135",
      "        Protocol = dip",
      "      }",
      "    }",
      "    URLs",
      "    {",
      "      Server = dip://lb:9135/Configuration/Server",
      "    }",
      "  }",
      "  Framework",
      "  {",
      "    Services",
      "    {",
      "      Notification",
      "      {",
      "        Port = 9154",
      "        Protocol = dip",
      "      }",
      "      BundleDelivery",
      "      {",
      "        Port = 9158",
      "        Protocol = dip",
      "        DirsToBundle = CAs",
      "      }",
      "    }",
      "    URLs",
      "    {",
      "      Notification = dip://lb:9154/Framework/Notification",
      "      BundleDelivery = dip://lb:9158/Framework/BundleDelivery",
      "    }",
      "  }",
      "}",
      "",
    ].join("\n"),
  );
  assert.match(diracCfg(installation), /^ {4}Master = no$/m);
  assert.doesNotMatch(diracCfg(installation), /Hostname/);
  assert.throws(
    () => diracCfg({ ...installation, services: [{ name: "Server", port: 1, urls: ["dip://x"] }] }),
    /^Error: DIRAC component Server: expected System\/Component$/,
  );
});

test("masterCfg: what the Configuration Server serves, its name, the balancers' URL and each service with its options", () => {
  assert.equal(
    masterCfg({
      name: "cert",
      configurationServers: ["dip://lb:9135/Configuration/Server"],
      services: [
        {
          name: "DataManagement/StorageElement",
          port: 9148,
          urls: ["dip://lb:9148/DataManagement/StorageElement"],
          options: { BasePath: "/storage" },
        },
      ],
    }),
    [
      "DIRAC",
      "{",
      "  Configuration",
      "  {",
      "    Name = cert",
      "    Servers = dip://lb:9135/Configuration/Server",
      "  }",
      "}",
      "Systems",
      "{",
      "  DataManagement",
      "  {",
      "    Services",
      "    {",
      "      StorageElement",
      "      {",
      "        Port = 9148",
      "        Protocol = dip",
      "        BasePath = /storage",
      "      }",
      "    }",
      "    URLs",
      "    {",
      "      StorageElement = dip://lb:9148/DataManagement/StorageElement",
      "    }",
      "  }",
      "}",
      "",
    ].join("\n"),
  );
});
