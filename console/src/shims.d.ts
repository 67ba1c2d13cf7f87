declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
declare module 'virtual:gw-keywords' {
  export const statements: string[];
  export const soft: string[];
}
