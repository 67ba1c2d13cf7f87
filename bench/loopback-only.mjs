// Preload (`node --import ./bench/loopback-only.mjs …`) for servers that listen on every interface with no way to
// choose the host (the Portkey gateway): a listen(port) without a host binds to 127.0.0.1 instead.
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && typeof args[1] !== 'string') {
    return listen.call(this, args[0], '127.0.0.1', ...args.slice(1).filter((a) => typeof a === 'function'));
  }
  return listen.apply(this, args);
};
