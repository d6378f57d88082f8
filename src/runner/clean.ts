// `mhub doctor --clean`: removes what killed runs left (workspaces recorded under $MHUB_HOME/runs,
// containers labelled with a dead owner). Runs do the same for their own output folder and daemon.
import { connectDocker } from './docker/client.ts';
import { removeDeadContainers } from './docker/dead-containers.ts';
import { mhubHome } from './venv/env.ts';
import { removeDeadWorkspaces } from './workspace.ts';

export interface CleanResult {
  workspaces: string[];
  containers: string[];
  /** Why containers were not looked at (no daemon), when so. */
  dockerSkipped?: string;
}

export async function cleanDeadRuns(
  options: { home?: string; dockerSocket?: string } = {},
): Promise<CleanResult> {
  const workspaces = await removeDeadWorkspaces(options.home ?? mhubHome());
  try {
    const { docker } = await connectDocker(options.dockerSocket, 3000);
    return { workspaces, containers: await removeDeadContainers(docker) };
  } catch (error) {
    return { workspaces, containers: [], dockerSkipped: (error as Error).message };
  }
}
