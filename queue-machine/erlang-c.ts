// Erlang C: the classic model of a queue served by N agents (Poisson arrivals, exponential
// handling, nobody gives up). For staffing advice and to check the engine against theory.
// A is the offered traffic in erlangs (arrival rate × average handling time).

/** Erlang B blocking probability, by the stable recurrence B(k) = A·B(k-1) / (k + A·B(k-1)). */
export function erlangB(traffic: number, agents: number): number {
  let b = 1;
  for (let k = 1; k <= agents; k++) b = (traffic * b) / (k + traffic * b);
  return b;
}

/** Probability that a customer has to wait (all agents busy); 1 when the agents cannot keep up (N ≤ A). */
export function probabilityOfWaiting(traffic: number, agents: number): number {
  if (agents <= traffic) return 1;
  const b = erlangB(traffic, agents);
  return (agents * b) / (agents - traffic * (1 - b));
}

/** Average speed of answer (mean wait of all customers), in the unit of `aht`. */
export function averageSpeedOfAnswer(traffic: number, agents: number, aht: number): number {
  if (agents <= traffic) return Infinity;
  return (probabilityOfWaiting(traffic, agents) * aht) / (agents - traffic);
}

/** Share of customers answered within `t` (same unit as `aht`). */
export function serviceLevel(traffic: number, agents: number, aht: number, t: number): number {
  if (agents <= traffic) return 0;
  return 1 - probabilityOfWaiting(traffic, agents) * Math.exp((-(agents - traffic) * t) / aht);
}

/** The fewest agents that answer at least `target` (0..1) of customers within `t`. */
export function agentsNeeded(traffic: number, aht: number, t: number, target: number): number {
  let n = Math.max(1, Math.floor(traffic) + 1);
  while (serviceLevel(traffic, n, aht, t) < target) n++;
  return n;
}

/** The whole picture for a queue: traffic from an arrival rate and handling time, all in seconds. */
export function staffing(arrivalsPerSecond: number, ahtSeconds: number, agents: number, thresholdSeconds: number) {
  const traffic = arrivalsPerSecond * ahtSeconds;
  return {
    traffic,
    probabilityOfWaiting: probabilityOfWaiting(traffic, agents),
    averageSpeedOfAnswerSeconds: averageSpeedOfAnswer(traffic, agents, ahtSeconds),
    serviceLevel: serviceLevel(traffic, agents, ahtSeconds, thresholdSeconds),
    occupancy: agents > 0 ? Math.min(1, traffic / agents) : 1,
  };
}
