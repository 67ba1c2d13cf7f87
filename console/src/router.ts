// One URL per page under /console (history routing: the gateway answers every /console/* path with index.html).
import { createRouter, createWebHistory } from 'vue-router';
import { setUnauthorizedHandler } from './api.ts';
import { startEvents } from './events.ts';
import { checkSession, session } from './session.ts';
// the two pages opened most are in the first chunk (no second round trip); the others load when first opened
import DashboardPage from './pages/DashboardPage.vue';
import LogsPage from './pages/LogsPage.vue';

export const router = createRouter({
  history: createWebHistory('/console/'),
  routes: [
    { path: '/', name: 'dashboard', component: DashboardPage },
    { path: '/quotas', name: 'quotas', component: () => import('./pages/QuotasPage.vue') },
    { path: '/logs', name: 'logs', component: LogsPage },
    { path: '/logs/:id', name: 'log', component: () => import('./pages/LogPage.vue'), props: true },
    { path: '/policy', name: 'policy', component: () => import('./pages/PolicyPage.vue') },
    { path: '/providers', name: 'providers', component: () => import('./pages/ProvidersPage.vue') },
    { path: '/keys', name: 'keys', component: () => import('./pages/KeysPage.vue') },
    { path: '/alerts', name: 'alerts', component: () => import('./pages/AlertsPage.vue') },
    { path: '/login', name: 'login', component: () => import('./pages/LoginPage.vue'), meta: { public: true } },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
});

router.beforeEach(async (to) => {
  if (!session.checked) await checkSession();
  if (to.meta.public) return true;
  if (!session.authenticated) return { name: 'login', query: { next: to.fullPath } };
  startEvents();
  return true;
});

setUnauthorizedHandler(() => {
  const here = router.currentRoute.value;
  if (!here.meta.public) void router.push({ name: 'login', query: { next: here.fullPath } });
});
