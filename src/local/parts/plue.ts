// Plue's services (api, web, electric) and the traffic that keeps them busy, in this process. The
// faults act on them through context.services.
import { migrate } from "../plue/database.ts";
import { PLUE_SERVICE_NAMES, PlueServices } from "../plue/services.ts";
import { plueTraffic, startTraffic } from "../plue/traffic.ts";
import { PORT_FLAGS } from "../ports.ts";
import type { StackContext, StackPart } from "../stack.ts";

/** Where a person pointing a browser at each service sees it answer. */
const HOME = { api: "/api/repos", web: "/", electric: "/v1/shape?table=repositories" } as const;

export const plueServicesPart: StackPart = {
  name: "plue-services",
  async start(context: StackContext) {
    const postgres = context.postgres;
    if (!postgres) throw new Error("Plue's services start after PostgreSQL, which is not running");
    const { topology } = context.deployment;
    await migrate(postgres.serviceConnection());
    const services = new PlueServices({
      host: topology.host,
      ports: { api: topology.api, web: topology.web, electric: topology.electric },
      portFlags: { api: PORT_FLAGS.api.flag, web: PORT_FLAGS.web.flag, electric: PORT_FLAGS.electric.flag },
      database: postgres.serviceConnection(),
    });
    for (const name of PLUE_SERVICE_NAMES) {
      await services.start(name);
      context.supervisor.adopt(
        name,
        () => services.stop(name),
        () => services.state(name),
      );
      context.urls.push({ name: `Plue ${name}`, url: `${services.url(name)}${HOME[name]}` });
    }
    // Stopped before the services (shutdown runs in reverse), so no request meets a closing server.
    const traffic = startTraffic(plueTraffic((name) => services.url(name)));
    context.supervisor.adopt("traffic", () => traffic.stop());
    context.services = services;
  },
};
