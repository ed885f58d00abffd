// Erlang C against published values, and the supervisors' service-level arithmetic.
import { expect } from 'chai';
import { agentsNeeded, averageSpeedOfAnswer, erlangB, probabilityOfWaiting, serviceLevel, staffing } from '../../queue-machine/erlang-c.js';
import { serviceFigures } from '../../queue-machine/queue-stats.js';

describe('Erlang C', () => {
  // The textbook case: 48 erlangs (e.g. 720 calls an hour at 240 s), 55 agents.
  const A = 48, N = 55, AHT = 240;

  it('gives the published probability of waiting, average speed of answer and service level', () => {
    expect(probabilityOfWaiting(A, N)).to.be.closeTo(0.239, 0.0015);
    expect(averageSpeedOfAnswer(A, N, AHT)).to.be.closeTo(8.2, 0.05);
    expect(serviceLevel(A, N, AHT, 15)).to.be.closeTo(0.846, 0.0015);
  });

  it('finds the fewest agents for a target service level', () => {
    const n = agentsNeeded(A, AHT, 15, 0.8);
    expect(serviceLevel(A, n, AHT, 15)).to.be.at.least(0.8);
    expect(serviceLevel(A, n - 1, AHT, 15)).to.be.below(0.8);
    expect(n).to.equal(55); // 54 agents answer 79.3 % within 15 s
    expect(agentsNeeded(A, AHT, 15, 0.85)).to.equal(56);
  });

  it('handles the edges: no traffic, and too few agents to keep up', () => {
    expect(erlangB(0, 3)).to.equal(0);
    expect(probabilityOfWaiting(0, 3)).to.equal(0);
    expect(probabilityOfWaiting(5, 5)).to.equal(1);
    expect(averageSpeedOfAnswer(5, 4, 100)).to.equal(Infinity);
    expect(serviceLevel(5, 5, 100, 20)).to.equal(0);
    expect(agentsNeeded(0.5, 100, 20, 0.8)).to.be.at.least(1);
  });

  it('puts a queue\'s picture together from an arrival rate and handling time', () => {
    const s = staffing(720 / 3600, 240, 55, 15);
    expect(s.traffic).to.be.closeTo(48, 1e-9);
    expect(s.occupancy).to.be.closeTo(48 / 55, 1e-9);
    expect(s.averageSpeedOfAnswerSeconds).to.be.closeTo(8.2, 0.05);
  });
});

describe('service level figures', () => {
  it('counts answers within the threshold against answers and late abandonments', () => {
    const f = serviceFigures(['a|1000|a', 'b|25000|a', 'c|5000|x', 'd|30000|x', 'e|10000|a'], 20_000);
    // within: a, e (2); answered 3; abandoned after 20 s: d. 2 / (3 + 1) = 50 %
    expect(f).to.deep.equal({ answered: 3, abandoned: 2, serviceLevel: 50, averageAnswerSeconds: 12 });
    expect(serviceFigures([], 20_000).serviceLevel).to.equal(null);
  });
});
