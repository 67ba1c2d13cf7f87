// The console's build: console/ → dist/console/, served by the gateway under /console (bin/build.js runs it).
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { gwKeywords } from './gw-keywords-plugin.ts';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/console/',
  logLevel: 'warn',
  plugins: [vue(), gwKeywords(fileURLToPath(new URL('../compiler/lexer.ts', import.meta.url)))],
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    reportCompressedSize: false,
    chunkSizeWarningLimit: 800,
  },
});
