// Top-down layout of the model graph with elkjs's layered algorithm (the
// non-worker bundle, so the CSP needs no worker-src).

import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import type { ModelTopology } from '../../src/shared/stats';

interface PlacedNode {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

interface PlacedEdge {
  id: string;
  from: string;
  to: string;
  /** Polyline through the edge's bend points. */
  points: { x: number; y: number }[];
}

export interface GraphLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

let elk: InstanceType<typeof ELK> | null = null;

export async function layoutGraph(topology: ModelTopology, nodeWidth: number, nodeHeight: number): Promise<GraphLayout> {
  elk ??= new ELK();
  const names = new Set(topology.layers.map((l) => l.name));
  const edges: ElkExtendedEdge[] = [];
  for (const layer of topology.layers) {
    for (const input of layer.inputs) {
      if (names.has(input)) edges.push({ id: `${input}->${layer.name}`, sources: [input], targets: [layer.name] });
    }
  }
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': String(Math.round(nodeHeight * 0.45)),
      'elk.spacing.nodeNode': String(Math.round(nodeHeight * 0.4)),
      // Keep the model's order among layers of the same depth.
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      'elk.padding': '[top=8,left=8,bottom=8,right=8]',
    },
    children: topology.layers.map((l) => ({ id: l.name, width: nodeWidth, height: nodeHeight })),
    edges,
  };
  const result = await elk.layout(graph);
  const nodes = (result.children ?? []).map((n) => ({ name: n.id, x: n.x ?? 0, y: n.y ?? 0, width: n.width ?? nodeWidth, height: n.height ?? nodeHeight }));
  const placedEdges = (result.edges ?? []).map((e) => {
    const points: { x: number; y: number }[] = [];
    for (const section of e.sections ?? []) {
      points.push(section.startPoint, ...(section.bendPoints ?? []), section.endPoint);
    }
    return { id: e.id, from: e.sources[0], to: e.targets[0], points };
  });
  return { nodes, edges: placedEdges, width: result.width ?? 0, height: result.height ?? 0 };
}
