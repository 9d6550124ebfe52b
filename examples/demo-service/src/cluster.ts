// Production entry point: a primary process that forks one API worker per CPU and replaces any that exit.
import cluster from 'node:cluster';
import os from 'node:os';

const workerCount = os.availableParallelism();

if (cluster.isPrimary) {
  for (let i = 0; i < workerCount; i++) cluster.fork();
  cluster.on('exit', (worker, code) => {
    console.error(`worker ${worker.process.pid} exited with ${code}; starting another`);
    cluster.fork();
  });
} else {
  require('./server');
}
